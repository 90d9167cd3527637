import { existsSync } from 'node:fs';
import { prepareSsh, SSH_SECRET_OPTIONS, sshSchemaProperties, type SshConfig } from '../../communicators/ssh/config.js';
import type { PrepareContext } from '../../core/plugin.js';
import {
  AWS_SECRET_OPTIONS,
  awsAccessSchemaProperties,
  prepareAwsAccess,
  regionProblem,
  type AwsAccess,
} from '../../machines/aws/access.js';
import type { BlockDevice, Filters } from '../../machines/aws/resources.js';
import { amiDistributionSchemaProperties } from '../../machines/aws/image-options.js';
import { isSet } from '../../core/option-catalogue.js';
import { WINRM_OPTION_NAMES } from '../../communicators/winrm-options.js';

/** Where the source AMI comes from: an id, or the newest image a filter finds. */
export type SourceAmi =
  { kind: 'id'; id: string } | { kind: 'filter'; filters: Filters; owners: string[]; mostRecent: boolean };

/** An id given, a filter to find one, or nothing (AWS's default). */
export type Lookup = { kind: 'id'; id: string } | { kind: 'filter'; filters: Filters } | { kind: 'default' };

/** The security groups the instance gets: given, found, or one made for the build. */
export type SecurityGroups =
  { kind: 'ids'; ids: string[] } | { kind: 'filter'; filters: Filters } | { kind: 'temporary'; cidrs: string[] };

/** The EC2 key pair the instance starts with: one made per build, one the account has, or none (the AMI already takes the key). */
export type KeyPairPlan =
  { kind: 'temporary'; name: string | undefined } | { kind: 'existing'; name: string } | { kind: 'none' };

export type SshInterface = 'public_ip' | 'private_ip' | 'public_dns' | 'private_dns';

export interface InstanceSettings {
  type: string;
  availabilityZone: string | undefined;
  /** Packer's tenancy: where the build instance runs (default, dedicated, host). */
  tenancy: 'default' | 'dedicated' | 'host' | undefined;
  subnet: Lookup;
  /** Picks the subnet with the most free addresses when a filter matches several (subnet_filter.most_free). */
  subnetMostFree: boolean;
  vpc: Lookup;
  securityGroups: SecurityGroups;
  associatePublicIpAddress: boolean | undefined;
  iamInstanceProfile: string | undefined;
  userData: { text: string } | { file: string } | undefined;
  ebsOptimized: boolean;
  t2Unlimited: boolean;
  shutdownBehavior: 'stop' | 'terminate';
  disableStopInstance: boolean;
  launchMappings: BlockDevice[];
  runTags: Record<string, string>;
  runVolumeTags: Record<string, string>;
  metadataOptions: { httpEndpoint: string; httpTokens: string; hopLimit: number } | undefined;
}

export interface ImageSettings {
  name: string;
  description: string | undefined;
  mappings: BlockDevice[];
  /** Regions to copy the AMI to, besides the build region. */
  regions: string[];
  regionKmsKeyIds: Record<string, string>;
  encryptBoot: boolean;
  kmsKeyId: string | undefined;
  users: string[];
  groups: string[];
  snapshotUsers: string[];
  snapshotGroups: string[];
  tags: Record<string, string>;
  snapshotTags: Record<string, string>;
  enaSupport: boolean | undefined;
  sriovSupport: boolean;
  skipCreate: boolean;
  forceDeregister: boolean;
  forceDeleteSnapshot: boolean;
}

/** How provisioners reach the instance: over SSH, or not at all ("communicator": "none"). */
export type GuestAccess =
  { kind: 'ssh'; ssh: SshConfig; sshInterface: SshInterface | undefined; keyPair: KeyPairPlan } | { kind: 'none' };

export interface AmazonEbsConfig {
  access: AwsAccess;
  source: SourceAmi;
  instance: InstanceSettings;
  image: ImageSettings;
  guest: GuestAccess;
}

const NOT_YET: Record<string, string> = {
  spot_price: 'boxwright launches on-demand instances only; remove it',
  spot_price_auto_product: 'boxwright launches on-demand instances only; remove it',
  spot_instance_types: 'boxwright launches on-demand instances only; set "instance_type"',
  spot_tags: 'boxwright launches on-demand instances only; remove it',
  spot_tag: 'boxwright launches on-demand instances only; remove it',
  block_duration_minutes: 'boxwright launches on-demand instances only; remove it',
  temporary_iam_instance_profile_policy_document: 'name an existing profile in "iam_instance_profile"',
  session_manager_port: 'connect over SSH ("ssh_interface": "public_ip" or "private_ip")',
  windows_password_timeout: 'boxwright builds Linux AMIs over SSH only',
  skip_save_build_region: 'keep the AMI in the build region, or deregister it after the build',
  ami_product_codes: 'add product codes after the build (aws ec2 modify-image-attribute)',
  no_ephemeral: 'map the ephemeral devices with "no_device": true in "launch_block_device_mappings"',
  tag: 'use the "tags" map',
  run_tag: 'use the "run_tags" map',
  snapshot_tag: 'use the "snapshot_tags" map',
  run_volume_tag: 'use the "run_volume_tags" map',
  pause_before_ssm: 'connect over SSH ("ssh_interface": "public_ip" or "private_ip")',
  ssh_clear_authorized_keys:
    "boxwright does not edit the instance's authorized_keys: remove the key in a last shell provisioner if the AMI must not keep it",
  ...Object.fromEntries(WINRM_OPTION_NAMES.map((k) => [k, 'boxwright builds Linux AMIs over SSH only'])),
};

const strings = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] };
const tagMap = { type: 'object', additionalProperties: { type: 'string' }, default: {} };
const filterMap = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
};
const blockDevice = {
  type: 'object',
  additionalProperties: false,
  properties: {
    device_name: { type: 'string', minLength: 1 },
    delete_on_termination: { type: 'boolean', default: false },
    encrypted: { type: 'boolean' },
    iops: { type: 'integer', minimum: 1 },
    throughput: { type: 'integer', minimum: 1 },
    kms_key_id: { type: 'string', minLength: 1 },
    no_device: { type: 'boolean', default: false },
    snapshot_id: { type: 'string', minLength: 1 },
    virtual_name: { type: 'string', minLength: 1 },
    volume_type: { type: 'string', enum: ['standard', 'io1', 'io2', 'gp2', 'gp3', 'sc1', 'st1'] },
    volume_size: { type: 'integer', minimum: 1 },
  },
};

/** Packer 1.6's amazon-ebs options. */
export const amazonEbsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...awsAccessSchemaProperties,
    source_ami: { type: 'string', minLength: 1, description: '"ami-0123456789abcdef0"' },
    source_ami_filter: {
      type: 'object',
      additionalProperties: false,
      properties: { filters: filterMap, owners: strings, most_recent: { type: 'boolean', default: false } },
    },
    instance_type: { type: 'string', minLength: 1, description: '"t3.micro"' },
    availability_zone: { type: 'string', minLength: 1 },
    tenancy: { type: 'string', enum: ['default', 'dedicated', 'host'] },
    subnet_id: { type: 'string', minLength: 1 },
    subnet_filter: {
      type: 'object',
      additionalProperties: false,
      properties: {
        filters: filterMap,
        most_free: { type: 'boolean', default: false },
        random: { type: 'boolean', default: false },
      },
    },
    vpc_id: { type: 'string', minLength: 1 },
    vpc_filter: { type: 'object', additionalProperties: false, properties: { filters: filterMap } },
    security_group_id: { type: 'string', minLength: 1 },
    security_group_ids: strings,
    security_group_filter: { type: 'object', additionalProperties: false, properties: { filters: filterMap } },
    temporary_security_group_source_cidrs: strings,
    associate_public_ip_address: { type: 'boolean' },
    iam_instance_profile: { type: 'string', minLength: 1 },
    skip_profile_validation: { type: 'boolean', default: false },
    user_data: { type: 'string' },
    user_data_file: { type: 'string', minLength: 1 },
    ebs_optimized: { type: 'boolean', default: false },
    enable_t2_unlimited: { type: 'boolean', default: false },
    ena_support: { type: 'boolean' },
    sriov_support: { type: 'boolean', default: false },
    shutdown_behavior: { type: 'string', enum: ['stop', 'terminate'], default: 'stop' },
    disable_stop_instance: { type: 'boolean', default: false },
    launch_block_device_mappings: { type: 'array', items: blockDevice, default: [] },
    run_tags: tagMap,
    run_volume_tags: tagMap,
    metadata_options: {
      type: 'object',
      additionalProperties: false,
      properties: {
        http_endpoint: { type: 'string', enum: ['enabled', 'disabled'], default: 'enabled' },
        http_tokens: { type: 'string', enum: ['optional', 'required'], default: 'optional' },
        http_put_response_hop_limit: { type: 'integer', minimum: 1, maximum: 64, default: 1 },
      },
    },
    ...sshSchemaProperties,
    ssh_interface: { type: 'string', enum: ['public_ip', 'private_ip', 'public_dns', 'private_dns'] },
    ssh_keypair_name: { type: 'string', minLength: 1 },
    temporary_key_pair_name: { type: 'string', minLength: 1 },
    ami_name: { type: 'string', minLength: 1, description: '"my-app {{timestamp}}"' },
    ami_description: { type: 'string' },
    ami_virtualization_type: { type: 'string', enum: ['hvm', 'paravirtual'], default: 'hvm' },
    ami_block_device_mappings: { type: 'array', items: blockDevice, default: [] },
    ...amiDistributionSchemaProperties,
    encrypt_boot: { type: 'boolean', default: false },
    kms_key_id: { type: 'string', minLength: 1 },
    skip_create_ami: { type: 'boolean', default: false },
    force_deregister: { type: 'boolean', default: false },
    force_delete_snapshot: { type: 'boolean', default: false },
    ...Object.fromEntries(Object.keys(NOT_YET).map((k) => [k, {}])),
  },
};

/** The fields Packer gives tags and descriptions once the source AMI is known. */
export const SOURCE_FIELDS = [
  'SourceAMI',
  'SourceAMIName',
  'SourceAMIOwner',
  'SourceAMIOwnerName',
  'SourceAMICreationDate',
  'BuildRegion',
] as const;

export const amazonEbsLateFields = {
  ami_description: SOURCE_FIELDS,
  tags: SOURCE_FIELDS,
  snapshot_tags: SOURCE_FIELDS,
  run_tags: SOURCE_FIELDS,
  run_volume_tags: SOURCE_FIELDS,
};

export const amazonEbsSecretOptions = [...AWS_SECRET_OPTIONS, ...SSH_SECRET_OPTIONS];

// Packer's rule for AMI names: 3 to 128 of these characters.
const AMI_NAME = /^[\w()[\] ./\-'@]{3,128}$/;

function filtersOf(raw: unknown): Filters {
  const out: Filters = {};
  for (const [name, value] of Object.entries((raw ?? {}) as Record<string, string | string[]>))
    out[name] = Array.isArray(value) ? value : [value];
  return out;
}

function blockDevices(raw: unknown): BlockDevice[] {
  return (raw as Record<string, unknown>[]).map((d) => ({
    deviceName: (d.device_name as string | undefined) ?? '',
    deleteOnTermination: d.delete_on_termination === true,
    encrypted: d.encrypted as boolean | undefined,
    iops: d.iops as number | undefined,
    throughput: d.throughput as number | undefined,
    kmsKeyId: d.kms_key_id as string | undefined,
    noDevice: d.no_device === true,
    snapshotId: d.snapshot_id as string | undefined,
    virtualName: d.virtual_name as string | undefined,
    volumeType: d.volume_type as string | undefined,
    volumeSize: d.volume_size as number | undefined,
  }));
}

export function prepareAmazonEbs(o: Record<string, unknown>, ctx: PrepareContext): AmazonEbsConfig {
  const p = ctx.problems;
  for (const [key, instead] of Object.entries(NOT_YET))
    if (isSet(o[key])) p.error([key], `"${key}" is not supported by boxwright's amazon-ebs builder yet`, instead);
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const access = prepareAwsAccess(o, p);

  // Source.
  const filter = o.source_ami_filter as { filters?: unknown; owners: string[]; most_recent: boolean } | undefined;
  let source: SourceAmi = { kind: 'id', id: str('source_ami') ?? '' };
  if (filter) {
    if (str('source_ami'))
      p.warn(['source_ami_filter'], '"source_ami_filter" is used and "source_ami" is ignored', 'remove one of them');
    if (!filter.filters || Object.keys(filter.filters).length === 0)
      p.error(
        ['source_ami_filter'],
        '"source_ami_filter" needs "filters"',
        'for example {"name": "debian-12-amd64-*"}',
      );
    if (filter.owners.length === 0)
      p.warn(
        ['source_ami_filter', 'owners'],
        'without "owners" any account\'s public image can match the filter',
        'name the publisher, for example "owners": ["136693071363"] for Debian',
      );
    source = {
      kind: 'filter',
      filters: filtersOf(filter.filters),
      owners: filter.owners,
      mostRecent: filter.most_recent,
    };
  } else if (!str('source_ami')) {
    p.error(
      [],
      'missing required option "source_ami" (or "source_ami_filter")',
      'name the AMI to start from, for example "source_ami": "ami-0123456789abcdef0"',
    );
  }

  // Instance.
  if (!str('instance_type'))
    p.error([], 'missing required option "instance_type"', 'for example "instance_type": "t3.micro"');
  const lookup = (id: string, filterKey: string): Lookup => {
    const f = o[filterKey] as { filters?: unknown } | undefined;
    if (str(id)) return { kind: 'id', id: str(id)! };
    if (f) return { kind: 'filter', filters: filtersOf(f.filters) };
    return { kind: 'default' };
  };
  const groupIds = [
    ...(str('security_group_id') ? [str('security_group_id')!] : []),
    ...(o.security_group_ids as string[]),
  ];
  const cidrs = o.temporary_security_group_source_cidrs as string[];
  for (const [i, cidr] of cidrs.entries())
    if (!/^[\d.]+\/\d{1,2}$|^[\da-f:]+\/\d{1,3}$/i.test(cidr))
      p.error(
        ['temporary_security_group_source_cidrs', i],
        `"${cidr}" is not a CIDR block`,
        'for example "203.0.113.0/24"',
      );
  let securityGroups: SecurityGroups = { kind: 'temporary', cidrs: cidrs.length ? cidrs : ['0.0.0.0/0'] };
  if (groupIds.length) securityGroups = { kind: 'ids', ids: groupIds };
  else if (o.security_group_filter)
    securityGroups = { kind: 'filter', filters: filtersOf((o.security_group_filter as { filters?: unknown }).filters) };
  if (cidrs.length && securityGroups.kind !== 'temporary')
    p.warn(['temporary_security_group_source_cidrs'], 'no temporary security group is made when groups are given');

  if (str('user_data') !== undefined && str('user_data_file'))
    p.error(['user_data_file'], '"user_data" and "user_data_file" cannot be used together', 'keep one of them');
  const userDataFile = str('user_data_file');
  if (userDataFile && !existsSync(userDataFile))
    p.error(
      ['user_data_file'],
      `"${userDataFile}" does not exist`,
      'paths are relative to the directory boxwright runs in',
    );
  const metadata = o.metadata_options as
    { http_endpoint: string; http_tokens: string; http_put_response_hop_limit: number } | undefined;
  const launchMappings = blockDevices(o.launch_block_device_mappings);
  const amiMappings = blockDevices(o.ami_block_device_mappings);
  for (const [key, list] of [
    ['launch_block_device_mappings', launchMappings],
    ['ami_block_device_mappings', amiMappings],
  ] as const)
    for (const [i, d] of list.entries())
      if (!d.deviceName) p.error([key, i], 'a block device mapping needs "device_name"', 'for example "/dev/sda1"');

  // Image.
  const skipCreate = o.skip_create_ami === true;
  const name = str('ami_name') ?? '';
  if (!name && !skipCreate)
    p.error([], 'missing required option "ami_name"', 'name the image, for example "ami_name": "my-app {{timestamp}}"');
  else if (name && !AMI_NAME.test(name))
    p.error(
      ['ami_name'],
      `"${name}" is not a valid AMI name`,
      "use 3 to 128 letters, digits, spaces and ( ) [ ] . / - ' @ _",
    );
  const regions = [...new Set(o.ami_regions as string[])].filter((r) => r !== access.region);
  if (access.validateRegions)
    for (const [i, region] of (o.ami_regions as string[]).entries())
      if (regionProblem(region)) p.error(['ami_regions', i], regionProblem(region)!);
  const regionKmsKeyIds = o.region_kms_key_ids as Record<string, string>;
  for (const region of Object.keys(regionKmsKeyIds))
    if (region !== access.region && !regions.includes(region))
      p.error(
        ['region_kms_key_ids', region],
        `"${region}" is not in "ami_regions"`,
        'add it to "ami_regions" or remove its key',
      );
  if (str('kms_key_id') && o.encrypt_boot !== true)
    p.error(['kms_key_id'], '"kms_key_id" needs "encrypt_boot": true', 'the key encrypts the boot volume of the AMI');
  if (o.force_delete_snapshot === true && o.force_deregister !== true)
    p.error(['force_delete_snapshot'], '"force_delete_snapshot" needs "force_deregister": true');

  // Communicator.
  let guest: GuestAccess = { kind: 'none' };
  if (o.communicator === 'ssh') {
    const keypairName = str('ssh_keypair_name');
    if (keypairName && !str('ssh_private_key_file') && o.ssh_agent_auth !== true)
      p.error(
        ['ssh_keypair_name'],
        '"ssh_keypair_name" needs "ssh_private_key_file" (or "ssh_agent_auth": true)',
        'give the private half of the key pair the account holds',
      );
    const keyPair: KeyPairPlan = keypairName
      ? { kind: 'existing', name: keypairName }
      : str('ssh_private_key_file') || o.ssh_agent_auth === true
        ? { kind: 'none' }
        : { kind: 'temporary', name: str('temporary_key_pair_name') };
    guest = {
      kind: 'ssh',
      ssh: prepareSsh(o, p, { hostRequired: false, keyInjected: keyPair.kind === 'temporary' }),
      sshInterface: o.ssh_interface as SshInterface | undefined,
      keyPair,
    };
  }

  return {
    access,
    source,
    instance: {
      type: str('instance_type') ?? '',
      availabilityZone: str('availability_zone'),
      tenancy: str('tenancy') as InstanceSettings['tenancy'],
      subnet: lookup('subnet_id', 'subnet_filter'),
      subnetMostFree: (o.subnet_filter as { most_free?: boolean } | undefined)?.most_free === true,
      vpc: lookup('vpc_id', 'vpc_filter'),
      securityGroups,
      associatePublicIpAddress: o.associate_public_ip_address as boolean | undefined,
      iamInstanceProfile: str('iam_instance_profile'),
      userData: userDataFile
        ? { file: userDataFile }
        : str('user_data') !== undefined
          ? { text: str('user_data')! }
          : undefined,
      ebsOptimized: o.ebs_optimized === true,
      t2Unlimited: o.enable_t2_unlimited === true,
      shutdownBehavior: o.shutdown_behavior as 'stop' | 'terminate',
      disableStopInstance: o.disable_stop_instance === true,
      launchMappings,
      runTags: o.run_tags as Record<string, string>,
      runVolumeTags: o.run_volume_tags as Record<string, string>,
      metadataOptions: metadata && {
        httpEndpoint: metadata.http_endpoint,
        httpTokens: metadata.http_tokens,
        hopLimit: metadata.http_put_response_hop_limit,
      },
    },
    image: {
      name,
      description: str('ami_description'),
      mappings: amiMappings,
      regions,
      regionKmsKeyIds,
      encryptBoot: o.encrypt_boot === true,
      kmsKeyId: str('kms_key_id'),
      users: o.ami_users as string[],
      groups: o.ami_groups as string[],
      snapshotUsers: o.snapshot_users as string[],
      snapshotGroups: o.snapshot_groups as string[],
      tags: o.tags as Record<string, string>,
      snapshotTags: o.snapshot_tags as Record<string, string>,
      enaSupport: o.ena_support as boolean | undefined,
      sriovSupport: o.sriov_support === true,
      skipCreate,
      forceDeregister: o.force_deregister === true,
      forceDeleteSnapshot: o.force_delete_snapshot === true,
    },
    guest,
  };
}
