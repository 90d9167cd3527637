import type { PostProcessor } from '../../core/plugin.js';
import { AWS_SECRET_OPTIONS } from '../../machines/aws/access.js';
import { DISK_KINDS } from '../../machines/carried-disk.js';
import { amazonImportSchema, prepareAmazonImport, type AmazonImportConfig } from './config.js';

/**
 * Packer's amazon-import: the build's disk becomes an AMI. By default over EBS direct
 * (the very bytes of the disk, no S3, no VM Import); with "import_mode": "vmimport", as
 * Packer does it. Then ami_regions copies, permissions and tags as amazon-ebs makes them.
 * Anything made in AWS is removed again when the import does not finish.
 */
export const amazonImportPostProcessor: PostProcessor<AmazonImportConfig> = {
  kind: 'post-processor',
  type: 'amazon-import',
  accepts: DISK_KINDS,
  produces: 'amazon-ami',
  schema: amazonImportSchema,
  secretOptions: AWS_SECRET_OPTIONS,
  prepare: prepareAmazonImport,
  // The AWS SDK takes a good part of a second to load: only a run that imports loads it.
  process: async (config, input, ctx) => (await import('./run.js')).importToAmi(config, input, ctx),
};
