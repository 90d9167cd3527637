import { Transform, type TransformCallback } from 'node:stream';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

/**
 * Gzip that uses every core: the input is cut into fixed-size blocks, each compressed as
 * its own gzip member on libuv's thread pool, and the members are written in order.
 * Concatenated members are one valid gzip stream (RFC 1952); gunzip, tar and Vagrant
 * read it as usual. Fixed blocks and zlib's zero header timestamp make the output
 * depend on the input bytes alone. Memory stays at about blockSize × inFlight.
 */
export class ParallelGzip extends Transform {
  private buffer: Buffer[] = [];
  private buffered = 0;
  private readonly pending: Promise<Buffer>[] = [];

  constructor(
    private readonly level: number,
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

  private async drainBlocks(final: boolean): Promise<void> {
    while (this.buffered >= this.blockSize || (final && this.buffered > 0)) {
      const all = Buffer.concat(this.buffer);
      const block = all.subarray(0, Math.min(this.blockSize, all.length));
      const rest = all.subarray(block.length);
      this.buffer = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.pending.push(gzipAsync(block, { level: this.level }));
      // Keep a few blocks compressing at once; write the oldest when the window is full.
      if (this.pending.length >= this.inFlight) this.push(await this.pending.shift()!);
    }
  }
}
