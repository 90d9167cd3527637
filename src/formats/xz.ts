import { execa } from 'execa';
import type { Duplex } from 'node:stream';

/**
 * An xz compressor stream: the `xz` program (Debian's xz-utils) on every core. Its
 * multi-threaded output depends on the input and level only, not on the number of threads.
 */
export function xzCompressor(level: number, signal?: AbortSignal): Duplex {
  return execa('xz', ['--compress', '--stdout', '--threads=0', `-${level}`], {
    stderr: 'pipe',
    // A cancelled build stops xz too, rather than leaving it to finish for nobody.
    cancelSignal: signal,
    forceKillAfterDelay: 2000,
  }).duplex();
}
