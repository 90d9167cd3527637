import { execa } from 'execa';
import type { Duplex } from 'node:stream';

/**
 * An xz compressor stream: the `xz` program (Debian's xz-utils) on every core. Its
 * multi-threaded output depends on the input and level only, not on the number of threads.
 */
export function xzCompressor(level: number): Duplex {
  return execa('xz', ['--compress', '--stdout', '--threads=0', `-${level}`], { stderr: 'pipe' }).duplex();
}
