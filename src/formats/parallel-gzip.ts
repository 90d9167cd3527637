import { Transform, type TransformCallback } from 'node:stream';
import type { GzipEngine } from './gzip-engine.js';

/**
 * Gzip that uses every core: the input is cut into fixed-size blocks, each compressed as
 * its own gzip member on libuv's thread pool, and the members are written in order.
 * Concatenated members are one valid gzip stream (RFC 1952); gunzip, tar and Vagrant
 * read it as usual. Fixed blocks and a zero header timestamp make the output depend on
 * the input bytes and the engine alone. Memory stays at about blockSize × inFlight.
 */
export class ParallelGzip extends Transform {
  private buffer: Buffer[] = [];
  private buffered = 0;
  private readonly pending: Promise<Buffer>[] = [];

  constructor(
    private readonly engine: GzipEngine,
    private readonly blockSize = 4 * 1024 * 1024,
    private readonly inFlight = 4,
  ) {
    super();
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

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    // Blocks still compressing when the stream fails have no one to report to.
    for (const block of this.pending.splice(0)) block.catch(() => undefined);
    done(err);
  }

  private async drainBlocks(final: boolean): Promise<void> {
    while (this.buffered >= this.blockSize || (final && this.buffered > 0)) {
      const all = this.buffer.length === 1 ? this.buffer[0]! : Buffer.concat(this.buffer);
      const block = all.subarray(0, Math.min(this.blockSize, all.length));
      const rest = all.subarray(block.length);
      this.buffer = rest.length ? [rest] : [];
      this.buffered = rest.length;
      const member = this.engine.member(block);
      // A failure is reported when its turn comes; until then it is not unhandled.
      member.catch(() => undefined);
      this.pending.push(member);
      // Keep a few blocks compressing at once; write the oldest when the window is full.
      if (this.pending.length >= this.inFlight) this.push(await this.pending.shift()!);
    }
  }
}
