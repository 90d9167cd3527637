import { Transform, type TransformCallback } from 'node:stream';
import { zlibEngine, type GzipEngine } from './gzip-engine.js';

/**
 * Gzip that uses every core: the input is cut into fixed-size blocks, each compressed as
 * its own gzip member by the engine (libdeflate or zlib), and the members are written in
 * order. Concatenated members are one valid gzip stream (RFC 1952); gunzip, tar and Vagrant
 * read it as usual. Fixed blocks and members without timestamps make the output depend on
 * the input bytes, the level and the engine alone. Memory stays at about blockSize × inFlight.
 */
export class ParallelGzip extends Transform {
  private buffer: Buffer[] = [];
  private buffered = 0;
  private readonly pending: Promise<Buffer>[] = [];

  private readonly inFlight: number;

  constructor(
    private readonly level: number,
    private readonly engine: GzipEngine = zlibEngine(),
    private readonly blockSize = 8 * 1024 * 1024,
  ) {
    super();
    // One more than the engine runs at once, so a core is not idle while a finished block is written.
    this.inFlight = engine.parallel + 1;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffer.push(chunk);
    this.buffered += chunk.length;
    this.drainBlocks(false).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.drainBlocks(true)
      .then(async () => {
        while (this.pending.length) this.push(await this.pending.shift()!);
        done();
      })
      .catch(done);
  }

  private async drainBlocks(final: boolean): Promise<void> {
    while (this.buffered >= this.blockSize || (final && this.buffered > 0)) {
      const all = Buffer.concat(this.buffer);
      const block = all.subarray(0, Math.min(this.blockSize, all.length));
      const rest = all.subarray(block.length);
      this.buffer = rest.length ? [rest] : [];
      this.buffered = rest.length;
      const member = this.engine.compress(block, this.level);
      // Awaited in order below; a later block's failure must not go unhandled meanwhile.
      member.catch(() => {});
      this.pending.push(member);
      // Keep a few blocks compressing at once; write the oldest when the window is full.
      if (this.pending.length >= this.inFlight) this.push(await this.pending.shift()!);
    }
  }
}
