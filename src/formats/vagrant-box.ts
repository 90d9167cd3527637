import { ParallelGzip } from './parallel-gzip.js';
import { writeTarball, type TarEntry, type WrittenFile } from './tarball.js';

/** One file inside a box: from disk (streamed) or given as text. */
export type BoxEntry = TarEntry;

export interface BoxOptions {
  entries: BoxEntry[];
  output: string;
  /** 0 writes a plain tar; 1-9 gzip levels (Packer's compression_level, default 6). */
  compressionLevel: number;
  /** Every entry's mtime: SOURCE_DATE_EPOCH or the build's start, so boxes are reproducible. */
  mtime: Date;
  signal?: AbortSignal;
}

export type WrittenBox = WrittenFile;

/**
 * Writes a Vagrant box: entries sorted by name, owner root with no names, mode 0644,
 * one mtime, no wrapping directory. The same inputs give the same bytes. The box is
 * written under a temporary name and renamed when complete, so an interrupted build
 * never leaves a finished-looking box.
 */
export async function writeBox(options: BoxOptions): Promise<WrittenBox> {
  const level = options.compressionLevel;
  return writeTarball({
    entries: [...options.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    output: options.output,
    compressor: level > 0 ? () => new ParallelGzip(level) : undefined,
    mtime: options.mtime,
    signal: options.signal,
  });
}
