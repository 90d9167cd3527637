import * as sdk from '@aws-sdk/client-ec2';
import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

/** An error as the SDK raises it for an EC2 error response. */
export function awsError(
  code: string,
  message = `${code} (injected by the test)`,
  fault: 'client' | 'server' = 'client',
) {
  return new EC2ServiceException({
    name: code,
    $fault: fault,
    $metadata: { httpStatusCode: fault === 'server' ? 500 : 400 },
    message,
  });
}

export interface Call {
  op: string;
  region: string;
  input: Record<string, unknown>;
}

interface Image {
  ImageId: string;
  Name: string;
  State: string;
  region: string;
  OwnerId: string;
  CreationDate: string;
  snapshots: string[];
  own: boolean;
  looks: number;
}
interface Instance {
  id: string;
  state: string;
  looks: number;
  groups: string[];
  volumes: { id: string; device: string; deleteOnTermination: boolean }[];
}

const OPERATIONS = [
  'DescribeImages',
  'DescribeVpcs',
  'DescribeSubnets',
  'DescribeSecurityGroups',
  'ImportKeyPair',
  'DeleteKeyPair',
  'CreateSecurityGroup',
  'AuthorizeSecurityGroupIngress',
  'DeleteSecurityGroup',
  'RunInstances',
  'DescribeInstances',
  'StopInstances',
  'TerminateInstances',
  'ModifyInstanceAttribute',
  'DescribeVolumes',
  'DeleteVolume',
  'CreateImage',
  'CopyImage',
  'DeregisterImage',
  'DeleteSnapshot',
  'ModifyImageAttribute',
  'ModifySnapshotAttribute',
  'CreateTags',
  'DescribeSnapshots',
  'RegisterImage',
  'ImportImage',
  'DescribeImportImageTasks',
  'CancelImportTask',
] as const;
type Op = (typeof OPERATIONS)[number];

/**
 * EC2 as far as amazon-ebs uses it, behind aws-sdk-client-mock: the real SDK clients
 * build and send requests, and this answers them from a small in-memory account that
 * keeps what each call created, so a test can ask what a build left behind. New
 * instances, images and stops take one look to settle, as EC2 takes a while.
 */
export class FakeEc2 {
  readonly mock: AwsClientStub<EC2Client>;
  readonly calls: Call[] = [];
  readonly keyPairs = new Map<string, string>();
  readonly groups = new Map<string, { name: string; ingress: unknown[] }>();
  readonly instances = new Map<string, Instance>();
  readonly volumes = new Map<string, string>();
  readonly images = new Map<string, Image>();
  readonly snapshots = new Set<string>();
  /** Snapshot states other than completed (an EBS direct snapshot is pending until CompleteSnapshot). */
  readonly snapshotStates = new Map<string, string>();
  /** VM Import tasks: their status and, once completed, the AMI. */
  readonly importTasks = new Map<
    string,
    { status: string; looks: number; imageId?: string; input: Record<string, unknown> }
  >();
  /** The address DescribeInstances reports (the test's sshd listens there). */
  address = '127.0.0.1';
  /** Errors to raise, by operation, one slot per call: undefined lets that call through. */
  private readonly failures = new Map<Op, (unknown | undefined)[]>();
  /** Runs when a key pair is imported (a test puts the key where its sshd reads it, as cloud-init would). */
  onKeyImported: (publicKey: string) => void = () => {};
  private next = 1;

  constructor() {
    this.mock = mockClient(EC2Client);
    for (const op of OPERATIONS) {
      const command = (sdk as unknown as Record<string, new (input: unknown) => unknown>)[`${op}Command`]!;
      this.mock.on(command as never).callsFake(async (input: Record<string, unknown>, getClient) => {
        const region = await getClient().config.region();
        this.calls.push({ op, region, input });
        const failure = this.failures.get(op)?.shift();
        if (failure) throw failure;
        return this.handle(op, region, input);
      });
    }
    this.addSourceImage('us-east-1', 'ami-0source0000000001', 'debian-12-amd64-20260101', '2026-01-01T00:00:00.000Z');
  }

  restore(): void {
    this.mock.restore();
  }

  /** A coming call of `op` fails with `error`: the next one, or the one after `after` more succeed. */
  failNext(op: Op, error: unknown, { after = 0 } = {}): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), ...Array<undefined>(after).fill(undefined), error]);
  }

  addSourceImage(region: string, id: string, name: string, created: string): void {
    this.images.set(id, {
      ImageId: id,
      Name: name,
      State: 'available',
      region,
      OwnerId: '136693071363',
      CreationDate: created,
      snapshots: [],
      own: false,
      looks: 1,
    });
  }

  /** Operations in the order they were called. */
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  inputOf(op: Op, nth = 0): Record<string, unknown> {
    const found = this.calls.filter((c) => c.op === op)[nth];
    if (!found) throw new Error(`${op} was not called (calls: ${this.ops().join(', ')})`);
    return found.input;
  }

  /** Everything the builds made that still exists and costs money or clutters the account. */
  leftovers(): string[] {
    return [
      ...[...this.keyPairs.keys()].map((k) => `key pair ${k}`),
      ...[...this.groups.keys()].map((g) => `security group ${g}`),
      ...[...this.instances.values()].filter((i) => i.state !== 'terminated').map((i) => `instance ${i.id}`),
      ...[...this.volumes.entries()].filter(([, s]) => s === 'available').map(([v]) => `volume ${v}`),
      ...[...this.images.values()].filter((i) => i.own).map((i) => `AMI ${i.ImageId} (${i.region})`),
      ...[...this.snapshots].map((s) => `snapshot ${s}`),
      ...[...this.importTasks.entries()].filter(([, t]) => t.status === 'active').map(([id]) => `import task ${id}`),
    ];
  }

  private id(prefix: string): string {
    return `${prefix}-${(this.next++).toString(16).padStart(17, '0')}`;
  }

  private notFound(code: string, what: string): never {
    throw awsError(code, `The ${what} does not exist`);
  }

  private handle(op: Op, region: string, input: Record<string, unknown>): unknown {
    const filters = Object.fromEntries(
      ((input.Filters as { Name: string; Values: string[] }[] | undefined) ?? []).map((f) => [f.Name, f.Values]),
    );
    switch (op) {
      case 'DescribeImages': {
        const ids = input.ImageIds as string[] | undefined;
        if (ids) {
          const found = ids.map((id) => this.images.get(id));
          if (found.some((i) => !i || i.region !== region))
            this.notFound('InvalidAMIID.NotFound', `image id '[${ids}]'`);
          return { Images: found.map((i) => this.describeImage(i!)) };
        }
        const self = (input.Owners as string[] | undefined)?.includes('self');
        const name = filters.name?.[0];
        const pattern = name && new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        const images = [...this.images.values()].filter(
          (i) => i.region === region && (!self || i.own) && (!pattern || pattern.test(i.Name)),
        );
        return { Images: images.map((i) => this.describeImage(i)) };
      }
      case 'DescribeVpcs':
        return { Vpcs: [{ VpcId: 'vpc-0fake', IsDefault: true }] };
      case 'DescribeSubnets':
        return {
          Subnets: [
            {
              SubnetId: 'subnet-0aaa',
              VpcId: 'vpc-0fake',
              AvailabilityZone: `${region}a`,
              AvailableIpAddressCount: 10,
            },
            {
              SubnetId: 'subnet-0bbb',
              VpcId: 'vpc-0fake',
              AvailabilityZone: `${region}b`,
              AvailableIpAddressCount: 200,
            },
          ].filter((s) => !input.SubnetIds || (input.SubnetIds as string[]).includes(s.SubnetId)),
        };
      case 'DescribeSecurityGroups': {
        const ids = (input.GroupIds as string[] | undefined) ?? [];
        if (ids.length) {
          if (ids.some((id) => !this.groups.has(id))) this.notFound('InvalidGroup.NotFound', `security group '${ids}'`);
          return { SecurityGroups: ids.map((GroupId) => ({ GroupId, GroupName: this.groups.get(GroupId)!.name })) };
        }
        return { SecurityGroups: [{ GroupId: 'sg-0filtered', GroupName: 'found-by-filter' }] };
      }
      case 'ImportKeyPair': {
        const name = input.KeyName as string;
        const key = new TextDecoder().decode(input.PublicKeyMaterial as Uint8Array);
        this.keyPairs.set(name, key);
        this.onKeyImported(key);
        return { KeyName: name, KeyFingerprint: 'fake', KeyPairId: this.id('key') };
      }
      case 'DeleteKeyPair':
        this.keyPairs.delete(input.KeyName as string);
        return {};
      case 'CreateSecurityGroup': {
        const GroupId = this.id('sg');
        this.groups.set(GroupId, { name: input.GroupName as string, ingress: [] });
        return { GroupId };
      }
      case 'AuthorizeSecurityGroupIngress':
        this.groups.get(input.GroupId as string)?.ingress.push(...(input.IpPermissions as unknown[]));
        return {};
      case 'DeleteSecurityGroup': {
        const id = input.GroupId as string;
        if (!this.groups.has(id)) this.notFound('InvalidGroup.NotFound', `security group '${id}'`);
        const user = [...this.instances.values()].find((i) => i.groups.includes(id) && i.state !== 'terminated');
        if (user) throw awsError('DependencyViolation', `resource ${id} has a dependent object`);
        this.groups.delete(id);
        return {};
      }
      case 'RunInstances': {
        const id = this.id('i');
        const nic = (input.NetworkInterfaces as { Groups?: string[] }[] | undefined)?.[0];
        const groups = (input.SecurityGroupIds as string[] | undefined) ?? nic?.Groups ?? [];
        const root = { id: this.id('vol'), device: '/dev/xvda', deleteOnTermination: true };
        const extra = ((input.BlockDeviceMappings as sdk.BlockDeviceMapping[] | undefined) ?? [])
          .filter((m) => m.Ebs)
          .map((m) => ({
            id: this.id('vol'),
            device: m.DeviceName!,
            deleteOnTermination: m.Ebs!.DeleteOnTermination ?? true,
          }));
        const volumes = [root, ...extra];
        for (const v of volumes) this.volumes.set(v.id, 'in-use');
        this.instances.set(id, { id, state: 'pending', looks: 0, groups, volumes });
        return { Instances: [{ InstanceId: id, State: { Name: 'pending', Code: 0 } }] };
      }
      case 'DescribeInstances': {
        const id = (input.InstanceIds as string[])[0]!;
        const instance = this.instances.get(id);
        if (!instance) this.notFound('InvalidInstanceID.NotFound', `instance ID '${id}'`);
        if (instance.looks++ >= 1) {
          const settles: Record<string, string> = {
            pending: 'running',
            stopping: 'stopped',
            'shutting-down': 'terminated',
          };
          if (settles[instance.state]) {
            instance.state = settles[instance.state]!;
            instance.looks = 0;
            if (instance.state === 'terminated')
              for (const v of instance.volumes)
                if (v.deleteOnTermination) this.volumes.delete(v.id);
                else this.volumes.set(v.id, 'available');
          }
        }
        return {
          Reservations: [
            {
              Instances: [
                {
                  InstanceId: id,
                  State: { Name: instance.state },
                  PublicIpAddress: this.address,
                  PrivateIpAddress: '127.0.0.1',
                  BlockDeviceMappings: instance.volumes.map((v) => ({
                    DeviceName: v.device,
                    Ebs: { VolumeId: v.id, DeleteOnTermination: v.deleteOnTermination },
                  })),
                },
              ],
            },
          ],
        };
      }
      case 'StopInstances':
      case 'TerminateInstances': {
        for (const id of input.InstanceIds as string[]) {
          const instance = this.instances.get(id);
          if (!instance) this.notFound('InvalidInstanceID.NotFound', `instance ID '${id}'`);
          if (instance.state === 'terminated') continue;
          instance.state = op === 'StopInstances' ? 'stopping' : 'shutting-down';
          instance.looks = 0;
        }
        return {};
      }
      case 'ModifyInstanceAttribute':
        return {};
      case 'DescribeVolumes': {
        const ids = filters['volume-id'] ?? [];
        return {
          Volumes: ids
            .filter((v) => this.volumes.has(v))
            .map((VolumeId) => ({ VolumeId, State: this.volumes.get(VolumeId) })),
        };
      }
      case 'DeleteVolume':
        this.volumes.delete(input.VolumeId as string);
        return {};
      case 'CreateImage':
      case 'CopyImage': {
        const ImageId = this.id('ami');
        const source =
          op === 'CreateImage'
            ? this.instances.get(input.InstanceId as string)!.volumes.length
            : this.images.get(input.SourceImageId as string)!.snapshots.length;
        const snapshots = Array.from({ length: source }, () => this.id('snap'));
        for (const s of snapshots) this.snapshots.add(s);
        this.images.set(ImageId, {
          ImageId,
          Name: input.Name as string,
          State: 'pending',
          region,
          OwnerId: '111122223333',
          CreationDate: new Date().toISOString(),
          snapshots,
          own: true,
          looks: 0,
        });
        return { ImageId };
      }
      case 'DeregisterImage': {
        const id = input.ImageId as string;
        if (!this.images.get(id)?.own) this.notFound('InvalidAMIID.NotFound', `image id '[${id}]'`);
        this.images.delete(id);
        return {};
      }
      case 'DeleteSnapshot': {
        const id = input.SnapshotId as string;
        if (!this.snapshots.has(id)) this.notFound('InvalidSnapshot.NotFound', `snapshot '${id}'`);
        const inUse = [...this.images.values()].some((i) => i.snapshots.includes(id));
        if (inUse) throw awsError('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by an AMI`);
        this.snapshots.delete(id);
        return {};
      }
      case 'ModifyImageAttribute':
      case 'ModifySnapshotAttribute':
      case 'CreateTags':
        return {};
      case 'DescribeSnapshots': {
        const ids = input.SnapshotIds as string[];
        if (ids.some((id) => !this.snapshots.has(id))) this.notFound('InvalidSnapshot.NotFound', `snapshot '${ids}'`);
        return {
          Snapshots: ids.map((SnapshotId) => ({
            SnapshotId,
            State: this.snapshotStates.get(SnapshotId) ?? 'completed',
          })),
        };
      }
      case 'RegisterImage': {
        const ImageId = this.id('ami');
        const mappings = input.BlockDeviceMappings as { Ebs?: { SnapshotId?: string } }[];
        const snapshots = mappings.map((m) => m.Ebs?.SnapshotId).filter((x): x is string => !!x);
        for (const snap of snapshots) {
          if (!this.snapshots.has(snap)) this.notFound('InvalidSnapshot.NotFound', `snapshot '${snap}'`);
          if (this.snapshotStates.has(snap))
            throw awsError('IncorrectState', `Snapshot ${snap} is ${this.snapshotStates.get(snap)}, not completed`);
        }
        this.images.set(ImageId, {
          ImageId,
          Name: input.Name as string,
          State: 'pending',
          region,
          OwnerId: '111122223333',
          CreationDate: new Date().toISOString(),
          snapshots,
          own: true,
          looks: 0,
        });
        return { ImageId };
      }
      case 'ImportImage': {
        const ImportTaskId = this.id('import-ami');
        this.importTasks.set(ImportTaskId, { status: 'active', looks: 0, input });
        return { ImportTaskId };
      }
      case 'DescribeImportImageTasks': {
        const id = (input.ImportTaskIds as string[])[0]!;
        const task = this.importTasks.get(id);
        if (!task) this.notFound('InvalidConversionTaskId.Malformed', `import task '${id}'`);
        if (task.status === 'active' && task.looks++ >= 1) {
          task.status = 'completed';
          const ImageId = this.id('ami');
          const snapshot = this.id('snap');
          this.snapshots.add(snapshot);
          this.images.set(ImageId, {
            ImageId,
            Name: `import-ami-${ImageId.slice(4)}`,
            State: 'available',
            region,
            OwnerId: '111122223333',
            CreationDate: new Date().toISOString(),
            snapshots: [snapshot],
            own: true,
            looks: 1,
          });
          task.imageId = ImageId;
        }
        return {
          ImportImageTasks: [
            {
              ImportTaskId: id,
              Status: task.status,
              ...(task.status === 'active' ? { StatusMessage: 'converting', Progress: '40' } : {}),
              ...(task.imageId ? { ImageId: task.imageId } : {}),
            },
          ],
        };
      }
      case 'CancelImportTask': {
        const task = this.importTasks.get(input.ImportTaskId as string);
        if (task) task.status = 'deleted';
        return {};
      }
    }
  }

  private describeImage(i: Image): sdk.Image {
    if (i.State === 'pending' && i.looks++ >= 1) i.State = 'available';
    return {
      ImageId: i.ImageId,
      Name: i.Name,
      State: i.State as 'available',
      OwnerId: i.OwnerId,
      CreationDate: i.CreationDate,
      BlockDeviceMappings: i.snapshots.map((SnapshotId, n) => ({
        DeviceName: n === 0 ? '/dev/xvda' : `/dev/sd${String.fromCharCode(98 + n)}`,
        Ebs: { SnapshotId },
      })),
    };
  }
}
