import { createHash, randomUUID } from 'node:crypto';
import {
  CompleteSnapshotCommand,
  EBSClient,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
  type EBSClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-ebs';
import type { Command } from '@aws-sdk/types';
import { CancelledError } from '../../base/errors.js';
import { formatElapsed } from '../../base/duration.js';
import type { Ui } from '../../base/ui.js';
import { BackgroundRawDigest, type DiskContent, type RawDisk } from '../../formats/raw-disk.js';
import type { AwsAccess } from './access.js';
import { clientSettings, sendWithRetry, type RetryOptions } from './call.js';

type EbsCommand<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Command<
  ServiceInputTypes,
  I,
  ServiceOutputTypes,
  O,
  EBSClientResolvedConfig
>;

/** EBS direct APIs write snapshots in blocks of this size (shared/FORMATS.md §5.1). */
export const EBS_BLOCK = 512 * 1024;
const GIB = 1024 ** 3;

/** One region's EBS direct API, with the same naming of calls and retries as Ec2. */
export class Ebs {
  constructor(
    readonly region: string,
    readonly client: EBSClient,
    private readonly options: RetryOptions,
  ) {}

  /** The endpoint is the SDK's: AWS_ENDPOINT_URL_EBS, else AWS_ENDPOINT_URL, else AWS's. */
  static connect(access: AwsAccess, region: string = access.region, options: Partial<RetryOptions> = {}): Ebs {
    const client = new EBSClient(clientSettings(access, region, undefined));
    return new Ebs(region, client, { maxRetries: Math.max(access.maxRetries, 11), ...options });
  }

  call<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: EbsCommand<I, O>,
    about: string,
    signal?: AbortSignal,
  ): Promise<O> {
    const operation = command.constructor.name.replace(/Command$/, '');
    return sendWithRetry(
      (abortSignal) => this.client.send(command, abortSignal ? { abortSignal } : {}),
      operation,
      about,
      this.options,
      signal,
    );
  }

  destroy(): void {
    this.client.destroy();
  }
}

export interface SnapshotUpload {
  snapshotId: string;
  /** base64 SHA-256 over the blocks' digests in block order (LINEAR), as CompleteSnapshot took it. */
  aggregateChecksum: string;
  changedBlocks: number;
  volumeSizeGiB: number;
  /** The SHA-256 of the whole raw disk, computed from the same reads. */
  content: DiskContent;
}

export interface UploadOptions {
  description: string;
  tags: Record<string, string>;
  encrypted: boolean;
  kmsKeyArn: string | undefined;
  /** Blocks in flight at once. */
  concurrency: number;
  ui: Ui;
  signal: AbortSignal;
  /** Called as soon as AWS names the snapshot, so a failure later can delete it. */
  onStarted(snapshotId: string): void;
}

/**
 * Writes a disk into a new EBS snapshot with the EBS direct APIs: StartSnapshot, one
 * PutSnapshotBlock per 512 KiB block that is not all zeros (each with its SHA-256, many
 * in flight), and CompleteSnapshot with the linear aggregate checksum. Zero blocks are
 * never sent: a new snapshot reads as zeros wherever nothing was written.
 */
export async function uploadSnapshot(ebs: Ebs, disk: RawDisk, options: UploadOptions): Promise<SnapshotUpload> {
  const { signal, ui } = options;
  const volumeSizeGiB = Math.max(1, Math.ceil(disk.virtualSize / GIB));
  const started = await ebs.call(
    new StartSnapshotCommand({
      VolumeSize: volumeSizeGiB,
      Description: options.description,
      ClientToken: randomUUID(),
      ...(Object.keys(options.tags).length
        ? { Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) }
        : {}),
      ...(options.encrypted ? { Encrypted: true } : {}),
      ...(options.kmsKeyArn ? { KmsKeyArn: options.kmsKeyArn } : {}),
    }),
    `starting a ${volumeSizeGiB} GiB snapshot`,
    signal,
  );
  const snapshotId = started.SnapshotId!;
  options.onStarted(snapshotId);
  if (started.BlockSize !== undefined && started.BlockSize !== EBS_BLOCK)
    throw new Error(`internal: EBS answered with ${started.BlockSize}-byte blocks, not ${EBS_BLOCK}`);
  ui.say(`Writing the disk into snapshot ${snapshotId} (${volumeSizeGiB} GiB, only blocks that hold data)...`);

  const digests = new Map<number, Buffer>();
  const content = new BackgroundRawDigest(disk.virtualSize, EBS_BLOCK);
  const totalBlocks = Math.ceil(disk.virtualSize / EBS_BLOCK);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;
  let bytesSent = 0;
  const begun = Date.now();
  let lastReport = begun;
  const put = async (index: number, data: Buffer, checksum: Buffer) => {
    await ebs.call(
      new PutSnapshotBlockCommand({
        SnapshotId: snapshotId,
        BlockIndex: index,
        BlockData: data,
        DataLength: EBS_BLOCK,
        Checksum: checksum.toString('base64'),
        ChecksumAlgorithm: 'SHA256',
        Progress: Math.min(100, Math.floor((index / totalBlocks) * 100)),
      }),
      `writing block ${index} of snapshot ${snapshotId}`,
      signal,
    );
    sent++;
    bytesSent += EBS_BLOCK;
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      ui.message(
        `Snapshot ${snapshotId}: ${sent} blocks (${(bytesSent / 1024 ** 2).toFixed(0)} MiB) written after ${formatElapsed(lastReport - begun)}`,
      );
    }
  };
  try {
    for await (const block of disk.blocks(EBS_BLOCK, signal)) {
      if (failure) break;
      if (block.zero) continue;
      await content.add(block.index, block.data);
      const checksum = createHash('sha256').update(block.data).digest();
      digests.set(block.index, checksum);
      const p: Promise<void> = put(block.index, block.data, checksum).then(
        () => void inFlight.delete(p),
        (err: unknown) => {
          inFlight.delete(p);
          failure ??= err;
        },
      );
      inFlight.add(p);
      if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    if (signal.aborted) throw new CancelledError('Build was cancelled.');

    const indices = [...digests.keys()].sort((a, b) => a - b);
    const aggregateChecksum = createHash('sha256')
      .update(Buffer.concat(indices.map((i) => digests.get(i)!)))
      .digest('base64');
    await ebs.call(
      new CompleteSnapshotCommand({
        SnapshotId: snapshotId,
        ChangedBlocksCount: indices.length,
        Checksum: aggregateChecksum,
        ChecksumAlgorithm: 'SHA256',
        ChecksumAggregationMethod: 'LINEAR',
      }),
      `completing snapshot ${snapshotId} (${indices.length} blocks)`,
      signal,
    );
    ui.message(
      `Snapshot ${snapshotId}: ${indices.length} of ${totalBlocks} blocks held data and were written in ${formatElapsed(Date.now() - begun)}`,
    );
    return {
      snapshotId,
      aggregateChecksum,
      changedBlocks: indices.length,
      volumeSizeGiB,
      content: await content.finish(),
    };
  } catch (err) {
    await content.abandon();
    // Blocks still in flight finish or fail on their own; none is left waiting on this call.
    await Promise.allSettled(inFlight);
    throw err;
  }
}
