import type { GzipEngine } from './gzip-engine.js';
import { ParallelGzip } from './parallel-gzip.js';
import { writeTarball, type TarEntry, type WrittenFile } from './tarball.js';

/** One file inside a box: from disk (streamed) or given as text. */
export type BoxEntry = TarEntry;

export interface BoxOptions {
  entries: BoxEntry[];
  output: string;
  /** Compresses the tar (chooseGzip picks one for Packer's compression_level); none writes a plain tar, which Vagrant accepts too. */
  gzip: GzipEngine | undefined;
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
  const engine = options.gzip;
  return writeTarball({
    entries: [...options.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    output: options.output,
    compressor: engine ? () => new ParallelGzip(engine) : undefined,
    mtime: options.mtime,
    signal: options.signal,
  });
}
