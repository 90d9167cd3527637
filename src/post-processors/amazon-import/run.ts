import { CancelImportTaskCommand } from '@aws-sdk/client-ec2';
import { amiArtifactId, type AmiArtifact, type Artifact } from '../../core/artifact.js';
import type { PostProcessResult, RunContext } from '../../core/plugin.js';
import { Ec2 } from '../../machines/aws/ec2.js';
import {
  amiLeftovers,
  checkNameFree,
  copyImage,
  deleteAmi,
  deleteSnapshot,
  shareAndTag,
} from '../../machines/aws/images.js';
import { S3 } from '../../machines/aws/s3.js';
import { carriedDisk, measureContent } from '../../machines/carried-disk.js';
import type { AmazonImportConfig } from './config.js';
import { importByEbsDirect } from './ebs-direct.js';
import type { ImportProgress } from './progress.js';
import { importByVmImport } from './vmimport.js';

/** The import itself (see index.ts): what the post-processor runs, loaded with the AWS SDK only when it runs. */
export async function importToAmi(
  config: AmazonImportConfig,
  input: Artifact,
  ctx: RunContext,
): Promise<PostProcessResult> {
  const ec2 = Ec2.connect(config.access);
  const clients = new Map<string, Ec2>([[ec2.region, ec2]]);
  const regionClient = (region: string) => {
    if (!clients.has(region)) clients.set(region, Ec2.connect(config.access, region));
    return clients.get(region)!;
  };
  const progress: ImportProgress = { amis: [] };
  const disk = await carriedDisk(input, ctx.signal);
  try {
    if (config.access.validateCredentials) await ec2.checkCredentials();
    await checkNameFree(ec2, config.name, false, ctx);
    let ebsDirect: AmiArtifact['ebsDirect'];
    let content = input.content;
    if (config.mode.kind === 'ebs-direct') {
      const upload = await importByEbsDirect(config, disk, ec2, progress, ctx);
      ebsDirect = {
        snapshotId: upload.snapshotId,
        aggregateChecksum: upload.aggregateChecksum,
        changedBlocks: upload.changedBlocks,
      };
      content = upload.content;
      input.content ??= content;
    } else {
      content = await measureContent(input, ctx.signal, disk);
      await importByVmImport(config, disk, ec2, progress, ctx);
    }
    const home = progress.amis[0]!;
    await Promise.all(
      config.regions
        .filter((r) => r !== ec2.region)
        .map(async (region) => {
          ctx.ui.say(`Copying AMI ${home.id} to ${region}...`);
          const kms = config.regionKmsKeyIds[region];
          await copyImage(
            home,
            regionClient(region),
            {
              name: config.name,
              description: config.description || undefined,
              encrypted: config.encrypt,
              kmsKeyId: kms,
            },
            progress.amis,
            ctx,
            config.access.polling,
          );
        }),
    );
    const spec = {
      users: config.users,
      groups: config.groups,
      snapshotUsers: config.snapshotUsers,
      snapshotGroups: config.snapshotGroups,
      amiTags: config.tags,
      snapshotTags: config.snapshotTags,
    };
    for (const ami of progress.amis) await shareAndTag(regionClient(ami.region), ami, spec, ctx);

    const amis = progress.amis.map((a) => ({ region: a.region, id: a.id, snapshots: a.snapshots ?? [] }));
    const artifact: AmiArtifact = {
      builderId: 'packer.post-processor.amazon-import',
      kind: 'amazon-ami',
      id: amiArtifactId(amis),
      files: [],
      description: `AMIs were created:\n${amis.map((a) => `${a.region}: ${a.id}`).join('\n')}`,
      amis,
      ...(ebsDirect ? { ebsDirect } : {}),
      ...(content ? { content } : {}),
      destroy: async () => {
        for (const ami of amis) await deleteAmi(regionClient(ami.region), ami, ctx.ui);
      },
    };
    progress.amis = [];
    return { artifact, keepInput: false };
  } catch (err) {
    await removeUnfinished(progress, config, ec2, regionClient, ctx);
    throw err;
  } finally {
    await disk.release();
    for (const client of clients.values()) client.destroy();
  }
}

/** After a failure or Ctrl-C: cancels the import, removes the AMIs, the snapshot and the S3 object; says what it could not. */
async function removeUnfinished(
  progress: ImportProgress,
  config: AmazonImportConfig,
  ec2: Ec2,
  regionClient: (region: string) => Ec2,
  ctx: RunContext,
): Promise<void> {
  const failed: string[] = [];
  const attempt = async (what: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (err) {
      failed.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (progress.importTask) {
    const task = progress.importTask;
    await attempt(
      `import task ${task} (aws ec2 cancel-import-task --region ${ec2.region} --import-task-id ${task})`,
      async () => {
        ctx.ui.message(`Cancelling import task ${task}...`);
        await ec2.call(new CancelImportTaskCommand({ ImportTaskId: task }), `cancelling import task ${task}`);
      },
    );
  }
  for (const ami of [...progress.amis].reverse())
    await attempt(amiLeftovers([ami])!, () => deleteAmi(regionClient(ami.region), ami, ctx.ui));
  if (progress.snapshot) {
    const snapshot = progress.snapshot;
    // An unfinished EBS direct snapshot is also cancelled by AWS itself, an hour after its last block.
    await attempt(
      `snapshot ${snapshot} (aws ec2 delete-snapshot --region ${ec2.region} --snapshot-id ${snapshot})`,
      () => deleteSnapshot(ec2, snapshot, ctx.ui),
    );
  }
  if (progress.object && config.mode.kind === 'vmimport') {
    const { bucket, key } = progress.object;
    await attempt(`s3://${bucket}/${key} (aws s3 rm s3://${bucket}/${key})`, async () => {
      ctx.ui.message(`Deleting s3://${bucket}/${key}...`);
      const s3 = S3.connect(config.access, ec2.region);
      try {
        await s3.deleteObject(bucket, key);
      } finally {
        s3.destroy();
      }
    });
  }
  if (failed.length) ctx.ui.error(`Could not remove everything the import made; remove by hand: ${failed.join('; ')}`);
}
