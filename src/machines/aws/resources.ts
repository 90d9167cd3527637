import type { BlockDeviceMapping, Filter, Tag } from '@aws-sdk/client-ec2';

/** EC2 describe filters: name → accepted values. */
export type Filters = Record<string, string[]>;

/** One block device mapping as Packer's templates write it (launch or AMI). */
export interface BlockDevice {
  deviceName: string;
  deleteOnTermination: boolean;
  encrypted: boolean | undefined;
  iops: number | undefined;
  throughput: number | undefined;
  kmsKeyId: string | undefined;
  noDevice: boolean;
  snapshotId: string | undefined;
  virtualName: string | undefined;
  volumeType: string | undefined;
  volumeSize: number | undefined;
}

export function sdkFilters(filters: Filters): Filter[] {
  return Object.entries(filters).map(([Name, Values]) => ({ Name, Values }));
}

export function sdkTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Packer's block device to EC2's: a virtual name or "no device" carries no EBS part. */
export function sdkMapping(d: BlockDevice): BlockDeviceMapping {
  if (d.noDevice) return { DeviceName: d.deviceName, NoDevice: '' };
  if (d.virtualName) return { DeviceName: d.deviceName, VirtualName: d.virtualName };
  return {
    DeviceName: d.deviceName,
    Ebs: {
      DeleteOnTermination: d.deleteOnTermination,
      ...(d.volumeType ? { VolumeType: d.volumeType as 'gp3' } : {}),
      ...(d.volumeSize ? { VolumeSize: d.volumeSize } : {}),
      ...(d.iops ? { Iops: d.iops } : {}),
      ...(d.throughput ? { Throughput: d.throughput } : {}),
      ...(d.snapshotId ? { SnapshotId: d.snapshotId } : {}),
      // EC2 refuses Encrypted next to a snapshot id; the snapshot's own encryption applies.
      ...(d.encrypted !== undefined && !d.snapshotId ? { Encrypted: d.encrypted } : {}),
      ...(d.kmsKeyId ? { KmsKeyId: d.kmsKeyId } : {}),
    },
  };
}
