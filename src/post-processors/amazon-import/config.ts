import type { PrepareContext } from '../../core/plugin.js';
import { amiDistributionSchemaProperties } from '../../machines/aws/image-options.js';
import {
  awsAccessSchemaProperties,
  prepareAwsAccess,
  regionProblem,
  type AwsAccess,
} from '../../machines/aws/access.js';

/** How the disk reaches EC2: written block by block (EBS direct), or through S3 and VM Import. */
export type ImportMode = 'ebs-direct' | 'vmimport';

/** What vmimport needs and EBS direct does not. */
export interface VmImportSettings {
  bucket: string;
  /** The object key; {{timestamp}} already rendered by the loader. */
  key: string;
  format: 'ova' | 'vmdk' | 'vhd' | 'vhdx' | 'raw';
  roleName: string;
  licenseType: string | undefined;
  s3Encryption: 'AES256' | 'aws:kms' | undefined;
  s3EncryptionKey: string | undefined;
  skipClean: boolean;
}

export interface AmazonImportConfig {
  access: AwsAccess;
  mode: { kind: 'ebs-direct'; concurrency: number } | ({ kind: 'vmimport' } & VmImportSettings);
  name: string;
  description: string;
  /** undefined: the boot mode the build used (uefi with efi_boot, else legacy-bios). */
  bootMode: 'legacy-bios' | 'uefi' | undefined;
  encrypt: boolean;
  kmsKey: string | undefined;
  regions: string[];
  regionKmsKeyIds: Record<string, string>;
  users: string[];
  groups: string[];
  snapshotUsers: string[];
  snapshotGroups: string[];
  tags: Record<string, string>;
  snapshotTags: Record<string, string>;
}

/** Options that only the vmimport mode reads. */
const VMIMPORT_ONLY = [
  's3_bucket_name',
  's3_key_name',
  's3_encryption',
  's3_encryption_key',
  'role_name',
  'license_type',
  'format',
  'skip_clean',
];

export const amazonImportSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...awsAccessSchemaProperties,
    import_mode: { type: 'string', enum: ['ebs-direct', 'vmimport'], default: 'ebs-direct' },
    ebs_direct_concurrency: { type: 'integer', minimum: 1, maximum: 256, default: 32 },
    ami_name: { type: 'string', minLength: 1, description: '"my-app {{timestamp}}"' },
    ami_description: { type: 'string' },
    ami_encrypt: { type: 'boolean', default: false },
    ami_kms_key: { type: 'string', minLength: 1 },
    ...amiDistributionSchemaProperties,
    boot_mode: { type: 'string', enum: ['legacy-bios', 'uefi'] },
    s3_bucket_name: { type: 'string', minLength: 1 },
    s3_key_name: { type: 'string', minLength: 1 },
    s3_encryption: { type: 'string', enum: ['AES256', 'aws:kms'] },
    s3_encryption_key: { type: 'string', minLength: 1 },
    role_name: { type: 'string', minLength: 1, default: 'vmimport' },
    license_type: { type: 'string', enum: ['AWS', 'BYOL'] },
    format: { type: 'string', enum: ['ova', 'vmdk', 'vhd', 'vhdx', 'raw'], default: 'ova' },
    skip_clean: { type: 'boolean', default: false },
    keep_input_artifact: { type: 'boolean' },
    platform: { type: 'string', enum: ['linux'] },
  },
};

export function prepareAmazonImport(o: Record<string, unknown>, ctx: PrepareContext): AmazonImportConfig {
  const p = ctx.problems;
  const access = prepareAwsAccess(o, p);
  const mode = o.import_mode as ImportMode;
  const str = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
  const name = str('ami_name') ?? `packer-import-${Math.floor(Date.now() / 1000)}`;
  if (name.length < 3 || name.length > 128 || !/^[A-Za-z0-9()[\] ./'@_-]+$/.test(name))
    p.error(
      ['ami_name'],
      `"${name}" is not a valid AMI name`,
      "3 to 128 letters, digits and ( ) [ ] space . / ' @ _ -",
    );
  const regions = o.ami_regions as string[];
  if (access.validateRegions)
    regions.forEach((r, i) => {
      const problem = regionProblem(r);
      if (problem)
        p.error(
          ['ami_regions', i],
          problem,
          'use names such as "eu-west-1"; skip_region_validation turns this check off',
        );
    });
  if (o.ami_kms_key !== undefined && o.ami_encrypt !== true)
    p.error(
      ['ami_kms_key'],
      '"ami_kms_key" needs "ami_encrypt": true',
      'set "ami_encrypt": true, or remove "ami_kms_key"',
    );

  let modeConfig: AmazonImportConfig['mode'];
  if (mode === 'ebs-direct') {
    for (const key of VMIMPORT_ONLY)
      if (
        o[key] !== undefined &&
        !(key === 'role_name' && o[key] === 'vmimport') &&
        !(key === 'format' && o[key] === 'ova') &&
        !(key === 'skip_clean' && o[key] === false)
      )
        p.warn(
          [key],
          `"${key}" is read by "import_mode": "vmimport" only; EBS direct uses no S3 bucket and no VM Import`,
          `remove it, or set "import_mode": "vmimport"`,
        );
    modeConfig = { kind: 'ebs-direct', concurrency: o.ebs_direct_concurrency as number };
  } else {
    const bucket = str('s3_bucket_name');
    if (!bucket)
      p.error(
        [],
        'missing required option "s3_bucket_name"',
        'VM Import reads the disk from S3: name a bucket in the build region',
      );
    if (o.s3_encryption_key !== undefined && o.s3_encryption !== 'aws:kms')
      p.error(
        ['s3_encryption_key'],
        '"s3_encryption_key" needs "s3_encryption": "aws:kms"',
        'set it, or remove the key',
      );
    const format = o.format as VmImportSettings['format'];
    modeConfig = {
      kind: 'vmimport',
      bucket: bucket ?? '',
      key:
        str('s3_key_name') ?? `packer-import-${Math.floor(Date.now() / 1000)}.${format === 'vhdx' ? 'vhdx' : format}`,
      format,
      roleName: o.role_name as string,
      licenseType: str('license_type'),
      s3Encryption: o.s3_encryption as VmImportSettings['s3Encryption'],
      s3EncryptionKey: str('s3_encryption_key'),
      skipClean: o.skip_clean as boolean,
    };
  }
  return {
    access,
    mode: modeConfig,
    name,
    description: str('ami_description') ?? '',
    bootMode: o.boot_mode as AmazonImportConfig['bootMode'],
    encrypt: o.ami_encrypt as boolean,
    kmsKey: str('ami_kms_key'),
    regions,
    regionKmsKeyIds: o.region_kms_key_ids as Record<string, string>,
    users: o.ami_users as string[],
    groups: o.ami_groups as string[],
    snapshotUsers: o.snapshot_users as string[],
    snapshotGroups: o.snapshot_groups as string[],
    tags: o.tags as Record<string, string>,
    snapshotTags: o.snapshot_tags as Record<string, string>,
  };
}
