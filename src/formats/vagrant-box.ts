import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ParallelGzip } from './parallel-gzip.js';
import { partialNameFor } from '../util/temp-name.js';

/** One file inside a box: from disk (streamed) or given as text. */
export type BoxEntry = { name: string; path: string } | { name: string; content: string };

export interface BoxOptions {
  entries: BoxEntry[];
  output: string;
  /** 0 writes a plain tar; 1-9 gzip levels (Packer's compression_level, default 6). */
  compressionLevel: number;
  /** Every entry's mtime: SOURCE_DATE_EPOCH or the build's start, so boxes are reproducible. */
  mtime: Date;
  signal?: AbortSignal;
}

export interface WrittenBox {
  path: string;
  size: number;
  sha256: string;
}

/**
 * Writes a Vagrant box: entries sorted by name, owner root with no names, mode 0644,
 * one mtime, no wrapping directory. The same inputs give the same bytes. The box is
 * written under a temporary name and renamed when complete, so an interrupted build
 * never leaves a finished-looking box.
 */
export async function writeBox(options: BoxOptions): Promise<WrittenBox> {
  const pack = tar.pack();
  const entries = [...options.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header = (name: string, size: number) => ({
    name,
    size,
    mode: 0o644,
    mtime: options.mtime,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    type: 'file' as const,
  });
  const feed = (async () => {
    for (const entry of entries) {
      if ('content' in entry) {
        await new Promise<void>((resolve, reject) =>
          pack.entry(header(entry.name, Buffer.byteLength(entry.content)), entry.content, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      } else {
        const { size } = await stat(entry.path);
        const sink = pack.entry(header(entry.name, size));
        await pipeline(createReadStream(entry.path), sink, { signal: options.signal });
      }
    }
    pack.finalize();
  })();
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const partial = partialNameFor(options.output);
  try {
    const compress = options.compressionLevel > 0 ? new ParallelGzip(options.compressionLevel) : new PassThrough();
    await Promise.all([
      pipeline(pack, compress, measure, createWriteStream(partial), { signal: options.signal }),
      feed,
    ]);
    await rename(partial, options.output);
  } catch (err) {
    pack.destroy();
    await rm(partial, { force: true });
    throw err;
  }
  return { path: options.output, size, sha256: hash.digest('hex') };
}
