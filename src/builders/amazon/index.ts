import type { Builder } from '../../core/plugin.js';
import {
  amazonEbsLateFields,
  amazonEbsSchema,
  amazonEbsSecretOptions,
  prepareAmazonEbs,
  type AmazonEbsConfig,
} from './config.js';

export const AMAZON_EBS_BUILDER_ID = 'mitchellh.amazonebs';

/** Packer's amazon-ebs: launch the source AMI, provision it over SSH, stop it, and make an AMI of it. */
export const amazonEbsBuilder: Builder<AmazonEbsConfig> = {
  kind: 'builder',
  type: 'amazon-ebs',
  produces: 'amazon-ami',
  schema: amazonEbsSchema,
  lateFields: amazonEbsLateFields,
  secretOptions: amazonEbsSecretOptions,
  prepare: prepareAmazonEbs,
  communicator: (config) => config.guest.kind,
  // The AWS SDK takes a good part of a second to load: only a build that runs it loads it.
  run: async (config, ctx) => (await import('./run.js')).runAmazonEbs(config, ctx),
};
