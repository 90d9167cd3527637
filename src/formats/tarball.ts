import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { PassThrough, Transform, type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { partialNameFor } from '../util/temp-name.js';

/** Disk images are read 1 MiB at a time: 64 KiB reads cost more in system calls and in chunks to join. */
const READ_CHUNK = 1024 * 1024;

/** One file inside a tar: from disk (streamed) or given as text. */
export type TarEntry = { name: string; path: string; mode?: number } | { name: string; content: string };

export interface WrittenFile {
  path: string;
  size: number;
  sha256: string;
}

export interface TarballOptions {
  /** Written in this order. */
  entries: TarEntry[];
  output: string;
  /** Compresses the tar as it is written (gzip, xz); none writes a plain tar. */
  compressor?: () => Duplex;
  /** Every entry's mtime, so the same inputs give the same bytes. */
  mtime: Date;
  signal?: AbortSignal;
}

/**
 * Streams files into a tar (owner root with no names, mode 0644 unless given, one mtime),
 * through an optional compressor, under a temporary name renamed when complete: an
 * interrupted build never leaves a finished-looking archive. Never holds a file in memory.
 */
export async function writeTarball(options: TarballOptions): Promise<WrittenFile> {
  const pack = tar.pack();
  const header = (name: string, size: number, mode = 0o644) => ({
    name,
    size,
    mode,
    mtime: options.mtime,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    type: 'file' as const,
  });
  const feed = (async () => {
    for (const entry of options.entries) {
      if ('content' in entry) {
        await new Promise<void>((resolve, reject) =>
          pack.entry(header(entry.name, Buffer.byteLength(entry.content)), entry.content, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      } else {
        const { size } = await stat(entry.path);
        const sink = pack.entry(header(entry.name, size, entry.mode));
        await pipeline(createReadStream(entry.path, { highWaterMark: READ_CHUNK }), sink, { signal: options.signal });
      }
    }
    pack.finalize();
  })();
  // tar-stream's types describe a streamx stream, which pipeline reads as it reads Node's.
  const writing = writeStream(pack as unknown as Readable, options.output, options.compressor, options.signal);
  try {
    const [written] = await Promise.all([writing, feed]);
    return written;
  } catch (err) {
    pack.destroy();
    // Let the writer remove its partial file before the caller looks.
    await writing.catch(() => undefined);
    throw err;
  }
}

/** Compresses one file into `output` (file.gz, file.xz), written and renamed as writeTarball does. */
export function writeCompressedFile(
  source: string,
  output: string,
  compressor: () => Duplex,
  signal?: AbortSignal,
): Promise<WrittenFile> {
  return writeStream(createReadStream(source, { highWaterMark: READ_CHUNK }), output, compressor, signal);
}

async function writeStream(
  input: Readable,
  output: string,
  compressor: (() => Duplex) | undefined,
  signal: AbortSignal | undefined,
): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const partial = partialNameFor(output);
  try {
    await pipeline(input, compressor ? compressor() : new PassThrough(), measure, createWriteStream(partial), {
      signal,
    });
    await rename(partial, output);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return { path: output, size, sha256: hash.digest('hex') };
}

/** The time every entry of an archive gets: SOURCE_DATE_EPOCH, or the build's start to the second. */
export function archiveTime(buildStart: Date, env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch)
    ? new Date(Number(epoch) * 1000)
    : new Date(Math.floor(buildStart.getTime() / 1000) * 1000);
}
