import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { DescribeImportImageTasksCommand, ImportImageCommand } from '@aws-sdk/client-ec2';
import type { RunContext } from '../../core/plugin.js';
import { writeStreamOptimizedVmdk } from '../../formats/vmdk-stream.js';
import type { Ec2 } from '../../machines/aws/ec2.js';
import { copyImage, deleteAmi, type MadeAmi } from '../../machines/aws/images.js';
import { S3 } from '../../machines/aws/s3.js';
import { waitFor } from '../../machines/aws/wait.js';
import type { CarriedDisk } from '../../machines/carried-disk.js';
import { exportAppliance } from '../../machines/export-appliance.js';
import { qemuImg } from '../../util/qemu-img.js';
import type { AmazonImportConfig, VmImportSettings } from './config.js';
import type { ImportProgress } from './progress.js';

const IMPORT_FORMAT: Record<VmImportSettings['format'], 'OVA' | 'VMDK' | 'VHD' | 'VHDX' | 'RAW'> = {
  ova: 'OVA',
  vmdk: 'VMDK',
  vhd: 'VHD',
  vhdx: 'VHDX',
  raw: 'RAW',
};

/** Writes the disk in the format VM Import is told to read, in `dir`. */
async function diskFile(disk: CarriedDisk, settings: VmImportSettings, dir: string, ctx: RunContext): Promise<string> {
  const base = path.join(dir, 'import');
  switch (settings.format) {
    case 'ova':
      return (
        await exportAppliance(
          disk.file,
          dir,
          {
            vmName: 'import',
            osType: 'Other_64',
            cpus: 1,
            memoryMb: 1024,
            controller: 'sata',
            nic: 'E1000',
            format: 'ova',
            firmware: disk.firmware,
          },
          ctx.signal,
        )
      ).files[0]!;
    case 'vmdk':
      await writeStreamOptimizedVmdk({
        source: disk.file,
        output: `${base}.vmdk`,
        adapterType: 'lsilogic',
        signal: ctx.signal,
      });
      return `${base}.vmdk`;
    case 'vhd':
      await qemuImg.convert(disk.file, `${base}.vhd`, { format: 'vpc', options: 'subformat=dynamic' }, ctx.signal);
      return `${base}.vhd`;
    case 'vhdx':
      await qemuImg.convert(disk.file, `${base}.vhdx`, { format: 'vhdx' }, ctx.signal);
      return `${base}.vhdx`;
    case 'raw':
      await qemuImg.convert(disk.file, `${base}.raw`, { format: 'raw' }, ctx.signal);
      return `${base}.raw`;
  }
}

/**
 * Path B (shared/FORMATS.md §5.2), Packer's way: the disk as an OVA (or the chosen
 * format) uploaded to S3, ImportImage, wait for the task, then a copy under ami_name
 * (VM Import names its AMIs itself) and the imported original removed.
 */
export async function importByVmImport(
  config: AmazonImportConfig,
  disk: CarriedDisk,
  ec2: Ec2,
  progress: ImportProgress,
  ctx: RunContext,
): Promise<void> {
  const settings = config.mode;
  if (settings.kind !== 'vmimport') throw new Error('internal: not a VM Import');
  const s3 = S3.connect(config.access, ec2.region);
  try {
    const stage = await mkdtemp(path.join(path.dirname(disk.file), '.import-'));
    try {
      ctx.ui.say(`Writing the disk as ${settings.format.toUpperCase()} for VM Import...`);
      const file = await diskFile(disk, settings, stage, ctx);
      ctx.ui.say(`Uploading ${path.basename(file)} to s3://${settings.bucket}/${settings.key}...`);
      progress.object = { bucket: settings.bucket, key: settings.key };
      await s3.upload(
        {
          Bucket: settings.bucket,
          Key: settings.key,
          Body: createReadStream(file),
          ...(settings.s3Encryption ? { ServerSideEncryption: settings.s3Encryption } : {}),
          ...(settings.s3EncryptionKey ? { SSEKMSKeyId: settings.s3EncryptionKey } : {}),
        },
        ctx.signal,
      );
    } finally {
      await rm(stage, { recursive: true, force: true });
    }

    const bootMode = config.bootMode ?? (disk.firmware === 'efi' ? 'uefi' : 'legacy-bios');
    ctx.ui.say(
      `Starting VM Import of s3://${settings.bucket}/${settings.key} (role ${settings.roleName}, ${bootMode})...`,
    );
    const started = await ec2.call(
      new ImportImageCommand({
        Architecture: 'x86_64',
        Platform: 'Linux',
        BootMode: bootMode,
        RoleName: settings.roleName,
        ...(config.description ? { Description: config.description } : {}),
        ...(settings.licenseType ? { LicenseType: settings.licenseType } : {}),
        ...(config.encrypt ? { Encrypted: true } : {}),
        ...(config.kmsKey ? { KmsKeyId: config.kmsKey } : {}),
        DiskContainers: [
          {
            Description: config.name,
            Format: IMPORT_FORMAT[settings.format],
            UserBucket: { S3Bucket: settings.bucket, S3Key: settings.key },
          },
        ],
      }),
      `importing s3://${settings.bucket}/${settings.key}`,
      ctx.signal,
    );
    const taskId = started.ImportTaskId!;
    progress.importTask = taskId;
    const imported = await waitFor<string>(
      { subject: `import task ${taskId}`, goal: 'completed' },
      async () => {
        const out = await ec2.call(
          new DescribeImportImageTasksCommand({ ImportTaskIds: [taskId] }),
          `checking import task ${taskId}`,
          ctx.signal,
        );
        const task = out.ImportImageTasks?.[0];
        const status = task?.Status ?? 'not visible yet';
        if (status === 'completed' && task?.ImageId)
          return { state: status, ready: true as const, value: task.ImageId };
        if (status === 'deleted' || status === 'deleting')
          return { state: status, failed: task?.StatusMessage ?? 'AWS gave no reason' };
        const detail = [task?.StatusMessage, task?.Progress ? `${task.Progress}%` : undefined]
          .filter(Boolean)
          .join(', ');
        return { state: detail ? `${status} (${detail})` : status, ready: false };
      },
      ctx,
      config.access.polling,
    );
    progress.importTask = undefined;
    const original: MadeAmi = { region: ec2.region, id: imported, snapshots: undefined };
    progress.amis.push(original);
    ctx.ui.message(`VM Import made AMI ${imported}; copying it to the name "${config.name}"...`);
    await copyImage(
      original,
      ec2,
      {
        name: config.name,
        description: config.description || undefined,
        encrypted: config.encrypt,
        kmsKeyId: config.kmsKey,
      },
      progress.amis,
      ctx,
      config.access.polling,
    );
    await deleteAmi(ec2, original, ctx.ui);
    progress.amis = progress.amis.filter((a) => a !== original);
    if (!settings.skipClean) {
      await s3.deleteObject(settings.bucket, settings.key);
      progress.object = undefined;
    }
  } finally {
    s3.destroy();
  }
}
