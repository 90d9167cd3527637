import type { Image, Instance } from '@aws-sdk/client-ec2';
import type { TemporaryKeyState } from '../../communicators/ssh/step-temporary-key.js';
import type { ConnectedState } from '../../core/common-steps.js';
import type { Ec2 } from '../../machines/aws/ec2.js';
import type { MadeAmi } from '../../machines/aws/images.js';

export type { MadeAmi } from '../../machines/aws/images.js';

/** What the amazon-ebs steps learn and create, in the order they run. */
export interface AmazonState extends ConnectedState, TemporaryKeyState {
  /** The build region's client; copies open their own through `regionClient`. */
  ec2: Ec2;
  regionClient(region: string): Ec2;
  sourceImage?: Image;
  vpcId?: string;
  subnetId?: string;
  availabilityZone?: string;
  /** The key pair the instance starts with. */
  keyName?: string;
  /** Set while a key pair made by this build exists in EC2. */
  importedKeyName?: string;
  securityGroupIds?: string[];
  /** Set while a security group made by this build exists. */
  temporaryGroupId?: string;
  /** Set from RunInstances until the instance is terminated. */
  instanceId?: string;
  instance?: Instance;
  /** Volumes the instance had, deleted if termination leaves them behind. */
  volumeIds?: string[];
  /** AMIs made so far; deregistered (with their snapshots) unless the build finishes. */
  amis: MadeAmi[];
  /** True once every step ran: from then on the AMIs are the build's result, not leftovers. */
  finished?: boolean;
}

/** Packer's template data for tags and descriptions: {{ .SourceAMI }}, {{ .BuildRegion }}... */
export function sourceFields(state: AmazonState): Record<string, string> {
  const image = state.sourceImage;
  return {
    SourceAMI: image?.ImageId ?? '',
    SourceAMIName: image?.Name ?? '',
    SourceAMIOwner: image?.OwnerId ?? '',
    SourceAMIOwnerName: image?.ImageOwnerAlias ?? '',
    SourceAMICreationDate: image?.CreationDate ?? '',
    BuildRegion: state.ec2.region,
  };
}

/** Renders every value of a tag map with the source fields. */
export function renderTags(
  tags: Record<string, string>,
  render: (template: string, fields: Record<string, string>) => string,
  fields: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [render(k, fields), render(v, fields)]));
}
