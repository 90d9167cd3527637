import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { openRawDisk } from './raw-disk.js';
import path from 'node:path';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { CancelledError } from '../base/errors.js';
import { partialNameFor } from '../util/temp-name.js';

/**
 * Writes a streamOptimized VMDK in the layout of VMware's "Virtual Disk Format 1.1"
 * (grain records, GT/GD/footer markers, end-of-stream), which is what OVF consumers
 * expect; qemu-img's own streamOptimized output lacks the markers, footer and EOS.
 *
 * It reads only the allocated parts of the source (see raw-disk.ts), skips grains
 * that are all zero, compresses grains on the libuv thread pool (every core), and keeps
 * a bounded number of grains in memory.
 */

const SECTOR = 512;
const GRAIN_SECTORS = 128;
const GRAIN = GRAIN_SECTORS * SECTOR;
const GTES_PER_GT = 512;
const GT_SECTORS = (GTES_PER_GT * 4) / SECTOR;
const DESCRIPTOR_OFFSET = 1;
const DESCRIPTOR_SECTORS = 20;
const OVERHEAD = GRAIN_SECTORS; // header + descriptor, rounded up to a grain
const GD_AT_END = 0xffffffffffffffffn;
const MARKER = { eos: 0, gt: 1, gd: 2, footer: 3 } as const;
const IN_FLIGHT = 16;

const deflateAsync = promisify(deflate);

export type AdapterType = 'ide' | 'lsilogic' | 'buslogic' | 'legacyESX';

export interface StreamVmdkOptions {
  /** Any disk qemu-img reads (qcow2, raw, vmdk...). */
  source: string;
  output: string;
  /** ddb.adapterType: the controller VMware attaches the disk to. */
  adapterType?: AdapterType;
  /** zlib level; 6 is what qemu-img and VMware use. */
  compressionLevel?: number;
  signal?: AbortSignal;
}

export interface StreamVmdkResult {
  /** Virtual size in bytes (rounded up to a whole grain). */
  capacityBytes: number;
  /** Size of the VMDK file. */
  fileBytes: number;
  /** Grains written (the rest were unallocated or zero). */
  grains: number;
}

function header(capacitySectors: bigint, gdOffset: bigint): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.write('KDMV', 0, 'latin1');
  b.writeUInt32LE(3, 4); // version 3: streamOptimized
  b.writeUInt32LE(0x30001, 8); // newline test, compressed grains, markers
  b.writeBigUInt64LE(capacitySectors, 12);
  b.writeBigUInt64LE(BigInt(GRAIN_SECTORS), 20);
  b.writeBigUInt64LE(BigInt(DESCRIPTOR_OFFSET), 28);
  b.writeBigUInt64LE(BigInt(DESCRIPTOR_SECTORS), 36);
  b.writeUInt32LE(GTES_PER_GT, 44);
  b.writeBigUInt64LE(0n, 48); // no redundant GD in a stream
  b.writeBigUInt64LE(gdOffset, 56);
  b.writeBigUInt64LE(BigInt(OVERHEAD), 64);
  b[72] = 0;
  b.set([0x0a, 0x20, 0x0d, 0x0a], 73);
  b.writeUInt16LE(1, 77); // deflate
  return b;
}

function marker(type: number, sectors: number): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.writeBigUInt64LE(BigInt(sectors), 0);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(type, 12);
  return b;
}

/** The embedded descriptor, padded to its reserved sectors. */
export function descriptor(name: string, capacitySectors: number, cid: string, adapterType: AdapterType): Buffer {
  const heads = adapterType === 'ide' ? 16 : 255;
  const cylinders = Math.min(Math.floor(capacitySectors / (heads * 63)), adapterType === 'ide' ? 16383 : Infinity);
  const text = [
    '# Disk DescriptorFile',
    'version=1',
    `CID=${cid}`,
    'parentCID=ffffffff',
    'createType="streamOptimized"',
    '',
    '# Extent description',
    `RW ${capacitySectors} SPARSE "${name}"`,
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    'ddb.virtualHWVersion = "4"',
    `ddb.geometry.cylinders = "${cylinders}"`,
    `ddb.geometry.heads = "${heads}"`,
    'ddb.geometry.sectors = "63"',
    `ddb.adapterType = "${adapterType}"`,
    'ddb.toolsVersion = "2147483647"',
    '',
  ].join('\n');
  const b = Buffer.alloc(DESCRIPTOR_SECTORS * SECTOR);
  if (Buffer.byteLength(text) > b.length) throw new Error('internal: VMDK descriptor does not fit its sectors');
  b.write(text, 0, 'utf8');
  return b;
}

/** Appends to a file and knows where the next byte goes, in sectors. */
class SectorWriter {
  private position = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  constructor(private readonly fh: FileHandle) {}

  get sector(): number {
    return (this.position + this.pendingBytes) / SECTOR;
  }

  async append(...parts: Buffer[]): Promise<void> {
    for (const p of parts) {
      this.pending.push(p);
      this.pendingBytes += p.length;
    }
    if (this.pendingBytes >= 4 * 1024 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pendingBytes) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.write(data, 0, data.length, this.position);
    this.position += data.length;
  }
}

export async function writeStreamOptimizedVmdk(options: StreamVmdkOptions): Promise<StreamVmdkResult> {
  const { signal } = options;
  const input = await openRawDisk(options.source, options.output, signal);
  const capacitySectors = Math.ceil(input.virtualSize / GRAIN) * GRAIN_SECTORS;
  const gtCount = Math.ceil(capacitySectors / GRAIN_SECTORS / GTES_PER_GT);
  const gdSectors = Math.ceil((gtCount * 4) / SECTOR);
  const partial = partialNameFor(options.output);
  const out = await open(partial, 'w');
  const writer = new SectorWriter(out);
  const contentHash = createHash('sha256');
  const gd = Buffer.alloc(gdSectors * SECTOR);
  let gt = Buffer.alloc(GT_SECTORS * SECTOR);
  let currentGt = 0;
  let grainsWritten = 0;
  const closeGtsUpTo = async (limit: number) => {
    // Every GT is written, empty ones too, as the spec's conservative layout.
    while (currentGt < limit) {
      await writer.append(marker(MARKER.gt, GT_SECTORS));
      gd.writeUInt32LE(writer.sector, currentGt * 4);
      await writer.append(gt);
      gt = Buffer.alloc(GT_SECTORS * SECTOR);
      currentGt++;
    }
  };

  try {
    await writer.append(Buffer.alloc(OVERHEAD * SECTOR)); // header and descriptor are written last
    // Grains are compressed out of order on the thread pool and written in order.
    const queue: Promise<{ grain: number; compressed: Buffer | undefined }>[] = [];
    const drainOne = async () => {
      const { grain, compressed } = await queue.shift()!;
      if (!compressed) return;
      if (signal?.aborted) throw new CancelledError('Build was cancelled.');
      await closeGtsUpTo(Math.floor(grain / GTES_PER_GT));
      const head = Buffer.alloc(12);
      head.writeBigUInt64LE(BigInt(grain * GRAIN_SECTORS), 0);
      head.writeUInt32LE(compressed.length, 8);
      const padding = (SECTOR - ((12 + compressed.length) % SECTOR)) % SECTOR;
      gt.writeUInt32LE(writer.sector, (grain % GTES_PER_GT) * 4);
      await writer.append(head, compressed, Buffer.alloc(padding));
      contentHash.update(compressed);
      grainsWritten++;
    };
    for await (const { index: grain, data, zero } of input.blocks(GRAIN, signal)) {
      queue.push(
        zero
          ? Promise.resolve({ grain, compressed: undefined })
          : deflateAsync(data, { level: options.compressionLevel ?? 6 }).then((compressed) => ({ grain, compressed })),
      );
      if (queue.length >= IN_FLIGHT) await drainOne();
    }
    while (queue.length) await drainOne();
    await closeGtsUpTo(gtCount);

    await writer.append(marker(MARKER.gd, gdSectors));
    const gdOffset = writer.sector;
    await writer.append(gd);
    const footer = header(BigInt(capacitySectors), BigInt(gdOffset));
    await writer.append(marker(MARKER.footer, 1), footer, marker(MARKER.eos, 0));
    await writer.flush();
    // The CID comes from the content, so the same disk gives the same file.
    const cid = contentHash.digest('hex').slice(0, 8);
    const front = Buffer.concat([
      header(BigInt(capacitySectors), GD_AT_END),
      descriptor(path.basename(options.output), capacitySectors, cid, options.adapterType ?? 'ide'),
    ]);
    await out.write(front, 0, front.length, 0);
    await out.sync();
    const { size } = await out.stat();
    await out.close();
    await rename(partial, options.output);
    return { capacityBytes: capacitySectors * SECTOR, fileBytes: size, grains: grainsWritten };
  } catch (err) {
    await out.close().catch(() => {});
    await rm(partial, { force: true });
    throw err;
  } finally {
    await input.close();
  }
}
