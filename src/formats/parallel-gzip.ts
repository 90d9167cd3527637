import { Transform, type TransformCallback } from 'node:stream';
import { zlibEngine, type GzipEngine } from './gzip-engine.js';

/**
 * Gzip that uses every core: the input is cut into fixed-size blocks, each compressed as
 * its own gzip member by the engine (libdeflate or zlib), and the members are written in
 * order. Concatenated members are one valid gzip stream (RFC 1952); gunzip, tar and Vagrant
 * read it as usual. Fixed blocks and members without timestamps make the output depend on
 * the input bytes, the level and the engine alone. Memory stays at about blockSize × (parallel + 2).
 */
export class ParallelGzip extends Transform {
  private block: Buffer;
  private filled = 0;
  private readonly pending: Promise<Buffer>[] = [];

  constructor(
    private readonly level: number,
    private readonly engine: GzipEngine = zlibEngine(),
    private readonly blockSize = 16 * 1024 * 1024,
    private readonly signal?: AbortSignal,
  ) {
    super();
    this.block = Buffer.allocUnsafe(blockSize);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.fill(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    (async () => {
      if (this.filled) this.submit(this.block.subarray(0, this.filled));
      while (this.pending.length) this.push(await this.pending.shift()!);
    })().then(() => done(), done);
  }

  /** Copies a chunk into blocks, handing each full block to the engine. */
  private async fill(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const n = chunk.copy(this.block, this.filled, offset);
      offset += n;
      this.filled += n;
      if (this.filled < this.blockSize) continue;
      this.submit(this.block);
      this.block = Buffer.allocUnsafe(this.blockSize);
      this.filled = 0;
      // The engine's workers stay busy while this block fills; the oldest member is written
      // when they are all taken.
      if (this.pending.length > this.engine.parallel) this.push(await this.pending.shift()!);
    }
  }

  private submit(block: Buffer): void {
    const member = this.engine.compress(block, this.level, this.signal);
    // Handled when its turn comes; until then a failure must not be reported as unhandled.
    member.catch(() => {});
    this.pending.push(member);
  }
}
