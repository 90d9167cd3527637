import { DescribeSnapshotsCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import type { RunContext } from '../../core/plugin.js';
import { openRawDisk } from '../../formats/raw-disk.js';
import type { CarriedDisk } from '../../machines/carried-disk.js';
import { Ebs, uploadSnapshot, type SnapshotUpload } from '../../machines/aws/ebs.js';
import { hasAwsCode, type Ec2 } from '../../machines/aws/ec2.js';
import { snapshotsOf, waitForImage } from '../../machines/aws/images.js';
import { waitFor } from '../../machines/aws/wait.js';
import type { AmazonImportConfig } from './config.js';
import type { ImportProgress } from './progress.js';

/** The root device of an imported machine, as EC2's own Linux AMIs name it. */
const ROOT_DEVICE = '/dev/xvda';

/**
 * Path A of shared/FORMATS.md §5.1: the disk's blocks into a new snapshot over EBS direct,
 * then RegisterImage on it (x86_64, hvm, ENA, gp3 root of at least the disk's size, the
 * build's boot mode). No S3, no vmimport role, and no conversion of the guest.
 */
export async function importByEbsDirect(
  config: AmazonImportConfig,
  disk: CarriedDisk,
  ec2: Ec2,
  progress: ImportProgress,
  ctx: RunContext,
): Promise<SnapshotUpload> {
  if (config.mode.kind !== 'ebs-direct') throw new Error('internal: not an EBS direct import');
  const ebs = Ebs.connect(config.access, ec2.region);
  const raw = await openRawDisk(disk.file, disk.file, ctx.signal);
  let upload: SnapshotUpload;
  try {
    upload = await uploadSnapshot(ebs, raw, {
      description: config.description || `boxwright import of ${config.name}`,
      tags: config.snapshotTags,
      encrypted: config.encrypt,
      kmsKeyArn: config.kmsKey,
      concurrency: config.mode.concurrency,
      ui: ctx.ui,
      signal: ctx.signal,
      onStarted: (id) => (progress.snapshot = id),
    });
  } finally {
    await raw.close();
    ebs.destroy();
  }
  const snapshotId = upload.snapshotId;
  await waitFor(
    { subject: `snapshot ${snapshotId}`, goal: 'completed' },
    async () => {
      try {
        const out = await ec2.call(
          new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }),
          `checking snapshot ${snapshotId}`,
          ctx.signal,
        );
        const s = out.Snapshots?.[0];
        const state = s?.State ?? 'not visible yet';
        if (state === 'completed') return { state, ready: true as const, value: undefined };
        if (state === 'error') return { state, failed: s?.StateMessage ?? 'AWS gave no reason' };
        return { state: s?.Progress ? `${state} (${s.Progress})` : state, ready: false };
      } catch (err) {
        if (hasAwsCode(err, 'InvalidSnapshot.NotFound')) return { state: 'not visible yet', ready: false };
        throw err;
      }
    },
    ctx,
    config.access.polling,
  );

  const bootMode = config.bootMode ?? (disk.firmware === 'efi' ? 'uefi' : 'legacy-bios');
  ctx.ui.say(`Registering AMI ${config.name} from snapshot ${snapshotId} (x86_64, hvm, ENA, ${bootMode})...`);
  const registered = await ec2.call(
    new RegisterImageCommand({
      Name: config.name,
      ...(config.description ? { Description: config.description } : {}),
      Architecture: 'x86_64',
      VirtualizationType: 'hvm',
      EnaSupport: true,
      BootMode: bootMode,
      RootDeviceName: ROOT_DEVICE,
      BlockDeviceMappings: [
        {
          DeviceName: ROOT_DEVICE,
          Ebs: {
            SnapshotId: snapshotId,
            VolumeSize: upload.volumeSizeGiB,
            VolumeType: 'gp3',
            DeleteOnTermination: true,
          },
        },
      ],
    }),
    `registering AMI "${config.name}" from snapshot ${snapshotId}`,
    ctx.signal,
  );
  const ami = { region: ec2.region, id: registered.ImageId!, snapshots: [snapshotId] };
  progress.amis.push(ami);
  // From here the snapshot goes with the AMI.
  progress.snapshot = undefined;
  ctx.ui.message(`AMI: ${ami.id}`);
  ami.snapshots = snapshotsOf(await waitForImage(ec2, ami.id, ctx, config.access.polling));
  return upload;
}
