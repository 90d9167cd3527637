import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../base/errors.js';
import { qemuImg } from '../util/qemu-img.js';

/**
 * A disk image read as the raw bytes a guest sees, touching only its allocated parts:
 * `qemu-img map` says where the data lies in the file (qcow2 or raw), and everything else
 * reads as zeros. Compressed or backed images are first flattened to a sparse raw file
 * beside `scratchBase`, removed on close.
 */
export interface RawDisk {
  /** The guest-visible size in bytes. */
  virtualSize: number;
  /**
   * The blocks of `blockSize` bytes that hold any allocated data, in ascending order, each
   * read whole (the last one zero-padded). Blocks that read as all zeros are still
   * yielded, with `zero` set, so callers decide.
   */
  blocks(blockSize: number, signal?: AbortSignal): AsyncGenerator<RawBlock>;
  close(): Promise<void>;
}

export interface RawBlock {
  index: number;
  data: Buffer;
  zero: boolean;
}

interface Extent {
  start: number;
  length: number;
  /** Where the bytes are in the file. */
  offset: number;
}

/** The allocated, non-zero ranges of a disk and the file offsets holding them, when qemu-img can say. */
async function dataExtents(file: string, format: string, signal?: AbortSignal): Promise<Extent[] | undefined> {
  if (format !== 'raw' && format !== 'qcow2') return undefined;
  const map = JSON.parse(await qemuImg.map(file, format, signal)) as {
    start: number;
    length: number;
    data: boolean;
    zero: boolean;
    offset?: number;
    depth: number;
    compressed?: boolean;
    filename?: string;
  }[];
  const extents: Extent[] = [];
  for (const e of map) {
    if (!e.data || e.zero) continue;
    // Compressed clusters, or data in a backing file, cannot be read in place.
    if (
      e.offset === undefined ||
      e.compressed ||
      e.depth > 0 ||
      (e.filename !== undefined && path.resolve(e.filename) !== path.resolve(file))
    )
      return undefined;
    extents.push({ start: e.start, length: e.length, offset: e.offset });
  }
  return extents;
}

/** Opens `source` (any format qemu-img reads) for reading as raw. */
export async function openRawDisk(source: string, scratchBase: string, signal?: AbortSignal): Promise<RawDisk> {
  const info = await qemuImg.info(source, signal);
  let file = source;
  let scratch: string | undefined;
  let extents = await dataExtents(source, info.format, signal);
  if (!extents) {
    scratch = `${scratchBase}.raw-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      await qemuImg.convert(source, scratch, { format: 'raw', sparse: '64k' }, signal);
      extents = (await dataExtents(scratch, 'raw', signal))!;
    } catch (err) {
      await rm(scratch, { force: true });
      throw err;
    }
    file = scratch;
  }
  const fh = await open(file, 'r');
  const all = extents;
  return {
    virtualSize: info.virtualSize,
    blocks: (blockSize, blockSignal) => readBlocks(fh, all, info.virtualSize, blockSize, blockSignal ?? signal),
    async close() {
      await fh.close();
      if (scratch) await rm(scratch, { force: true });
    },
  };
}

async function* readBlocks(
  fh: FileHandle,
  extents: Extent[],
  virtualSize: number,
  blockSize: number,
  signal?: AbortSignal,
): AsyncGenerator<RawBlock> {
  let first = 0;
  let last = -1;
  for (const e of extents) {
    const from = Math.max(Math.floor(e.start / blockSize), last + 1);
    const to = Math.floor((Math.min(e.start + e.length, virtualSize) - 1) / blockSize);
    for (let index = from; index <= to; index++) {
      if (signal?.aborted) throw new CancelledError('Build was cancelled.');
      const start = index * blockSize;
      const end = start + blockSize;
      const data = Buffer.alloc(blockSize);
      while (first < extents.length && extents[first]!.start + extents[first]!.length <= start) first++;
      for (let j = first; j < extents.length && extents[j]!.start < end; j++) {
        const x = extents[j]!;
        const a = Math.max(start, x.start);
        const b = Math.min(end, x.start + x.length, virtualSize);
        if (b > a) await fh.read(data, a - start, b - a, x.offset + (a - x.start));
      }
      yield { index, data, zero: isZero(data) };
    }
    last = Math.max(last, to);
  }
}

const ZEROS = Buffer.alloc(1024 * 1024);

function isZero(data: Buffer): boolean {
  for (let at = 0; at < data.length; at += ZEROS.length) {
    const part = data.subarray(at, Math.min(at + ZEROS.length, data.length));
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

/** What a disk holds, as the SHA-256 of its raw bytes: the same for every format that carries the same disk. */
export interface DiskContent {
  sha256: string;
  /** The guest-visible size in bytes (the length hashed). */
  bytes: number;
}

/** The SHA-256 of a disk's raw contents, reading only what is allocated. */
export async function rawDiskContent(source: string, scratchBase: string, signal?: AbortSignal): Promise<DiskContent> {
  const disk = await openRawDisk(source, scratchBase, signal);
  try {
    const block = 1024 * 1024;
    const digest = new BackgroundRawDigest(disk.virtualSize, block);
    try {
      for await (const b of disk.blocks(block)) if (!b.zero) await digest.add(b.index, b.data);
    } catch (err) {
      await digest.abandon();
      throw err;
    }
    return await digest.finish();
  } finally {
    await disk.close();
  }
}

// Feeds a raw disk's bytes to a SHA-256 in order, given only its non-zero blocks: the
// unallocated stretches between them are hashed as zeros without being read. Plain
// JavaScript on a thread of its own, so it runs from the compiled package and under the
// test runner alike.
const DIGEST_WORKER = `
const { createHash } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
const { virtualSize, blockSize } = workerData;
const zeros = Buffer.alloc(1024 * 1024);
const hash = createHash('sha256');
let hashed = 0;
const zerosUpTo = (offset) => {
  while (hashed < offset) {
    const n = Math.min(zeros.length, offset - hashed);
    hash.update(zeros.subarray(0, n));
    hashed += n;
  }
};
parentPort.on('message', (m) => {
  if (m.finish) {
    zerosUpTo(virtualSize);
    parentPort.postMessage({ sha256: hash.digest('hex'), bytes: virtualSize });
    return;
  }
  const start = m.index * blockSize;
  zerosUpTo(start);
  const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  const take = Math.min(blockSize, virtualSize - start);
  hash.update(data.subarray(0, take));
  hashed = start + take;
  parentPort.postMessage({ ack: true });
});
`;

/**
 * The SHA-256 of a raw disk from its non-zero blocks, hashed on another core: the zeros
 * between blocks cost as much to hash as data, and hashing a whole disk on the thread that
 * also reads and sends it would halve the pace.
 */
export class BackgroundRawDigest {
  private readonly worker: Worker;
  private readonly result: Promise<DiskContent>;
  /** Blocks sent and not yet hashed: at most 128 (64 MiB of 512 KiB blocks), so a slow worker never holds the disk in memory. */
  private pending = 0;
  private drained: (() => void) | undefined;

  constructor(virtualSize: number, blockSize: number) {
    this.worker = new Worker(DIGEST_WORKER, { eval: true, workerData: { virtualSize, blockSize } });
    this.result = new Promise<DiskContent>((resolve, reject) => {
      this.worker.on('message', (m: DiskContent & { ack?: true }) => {
        if (!m.ack) return resolve(m);
        this.pending--;
        this.drained?.();
        this.drained = undefined;
      });
      this.worker.once('error', reject);
    });
  }

  /** Adds block `index` (a copy goes to the worker; the caller keeps its buffer). Ascending order. */
  async add(index: number, data: Buffer): Promise<void> {
    this.worker.postMessage({ index, data });
    this.pending++;
    while (this.pending >= 128) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  async finish(): Promise<DiskContent> {
    this.worker.postMessage({ finish: true });
    try {
      return await this.result;
    } finally {
      await this.worker.terminate();
    }
  }

  /** Stops the worker without a result (the upload failed). */
  async abandon(): Promise<void> {
    await this.worker.terminate();
  }
}
