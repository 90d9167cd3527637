const strings = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] };
const tagMap = { type: 'object', additionalProperties: { type: 'string' }, default: {} };

/** Packer's options for where an AMI goes and who sees it, as amazon-ebs and amazon-import share them. */
export const amiDistributionSchemaProperties = {
  ami_regions: strings,
  region_kms_key_ids: tagMap,
  ami_users: strings,
  ami_groups: strings,
  snapshot_users: strings,
  snapshot_groups: strings,
  tags: tagMap,
  snapshot_tags: tagMap,
} as const;
