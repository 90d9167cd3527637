import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { onPath } from '../util/on-path.js';

/** What turns one block into one complete gzip member. */
export interface GzipEngine {
  /** For the user: what compresses. */
  readonly name: string;
  /** Blocks compressed at once: one per core, as more would only wait for one. */
  readonly parallel: number;
  compress(block: Buffer, level: number, signal?: AbortSignal): Promise<Buffer>;
}

const gzipAsync = promisify(gzip);

/** Node's zlib on libuv's thread pool: always there, about twice as slow per core as libdeflate. */
export function zlibEngine(parallel = availableParallelism()): GzipEngine {
  return { name: "Node's zlib", parallel, compress: (block, level) => gzipAsync(block, { level }) };
}

/**
 * libdeflate's gzip program (Debian's libdeflate-tools), one process per block. Reading
 * standard input it writes no name and a zero timestamp, so a member depends on the
 * block's bytes and the level alone.
 */
export function libdeflateEngine(program: string, parallel = availableParallelism()): GzipEngine {
  return {
    name: 'libdeflate',
    parallel,
    compress: (block, level, signal) =>
      new Promise((resolve, reject) => {
        const child = spawn(program, [`-${level}`, '-c'], { stdio: ['pipe', 'pipe', 'pipe'], signal });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.on('error', reject);
        // An early exit is reported by 'close' below.
        child.stdin.on('error', () => {});
        child.on('close', (code, sig) =>
          code === 0
            ? resolve(Buffer.concat(out))
            : reject(
                new Error(
                  `${program} -${level} failed (${sig ?? `exit ${code}`}): ${Buffer.concat(err).toString().trim()}`,
                ),
              ),
        );
        child.stdin.end(block);
      }),
  };
}

/**
 * The fastest engine this machine has: libdeflate when libdeflate-gzip is installed, else
 * zlib with a line that says what installing it gains. BOXWRIGHT_GZIP=zlib chooses zlib
 * (to compare, or to make the same bytes as a machine without libdeflate).
 */
export function chooseGzipEngine(env: NodeJS.ProcessEnv = process.env): { engine: GzipEngine; note?: string } {
  const forced = env.BOXWRIGHT_GZIP === 'zlib';
  const program = forced ? undefined : onPath('libdeflate-gzip', env);
  if (program) return { engine: libdeflateEngine(program) };
  return {
    engine: zlibEngine(),
    note: forced
      ? 'Compressing with zlib, as BOXWRIGHT_GZIP=zlib asks.'
      : "libdeflate-gzip is not installed: compressing with Node's zlib, about twice as slow (install Debian's libdeflate-tools).",
  };
}
