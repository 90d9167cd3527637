import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

/** Compresses one block into one complete gzip member. */
export interface GzipEngine {
  /** For the user: what compresses and how many blocks at once. */
  readonly description: string;
  /** Blocks compressed at once (one per core); more would only wait for a core. */
  readonly parallel: number;
  compress(block: Buffer, level: number): Promise<Buffer>;
}

const gzipAsync = promisify(gzip);

/** Node's zlib on libuv's thread pool: always there, about 2.5 times slower per core than libdeflate. */
export function zlibEngine(parallel = availableParallelism()): GzipEngine {
  return {
    description: `Node's zlib, ${parallel} block(s) at once`,
    parallel,
    compress: (block, level) => gzipAsync(block, { level }),
  };
}

/**
 * libdeflate's gzip program (Debian: libdeflate-tools), one process per block. Reading from
 * standard input it writes no file name and a zero timestamp, so a block's member depends on
 * its bytes and the level alone.
 */
export function libdeflateEngine(program: string, parallel = availableParallelism()): GzipEngine {
  return {
    description: `libdeflate (${path.basename(program)}), ${parallel} block(s) at once`,
    parallel,
    compress: (block, level) =>
      new Promise((resolve, reject) => {
        const child = spawn(program, [`-${level}`, '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.on('error', reject);
        child.stdin.on('error', () => {}); // an early exit is reported by 'close' below
        child.on('close', (code, signal) =>
          code === 0
            ? resolve(Buffer.concat(out))
            : reject(
                new Error(
                  `${program} -${level} failed (${signal ?? `exit ${code}`}): ${Buffer.concat(err).toString().trim()}`,
                ),
              ),
        );
        child.stdin.end(block);
      }),
  };
}

function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The fastest engine this machine has: libdeflate's gzip when it is installed, else zlib,
 * with a line that says what installing libdeflate would gain. BOXWRIGHT_GZIP=zlib chooses
 * zlib (to compare, or to reproduce a box made without libdeflate).
 */
export function chooseGzipEngine(): { engine: GzipEngine; note?: string } {
  const program = process.env.BOXWRIGHT_GZIP === 'zlib' ? undefined : onPath('libdeflate-gzip');
  if (program) return { engine: libdeflateEngine(program) };
  return {
    engine: zlibEngine(),
    note:
      process.env.BOXWRIGHT_GZIP === 'zlib'
        ? 'Compressing with zlib, as BOXWRIGHT_GZIP=zlib asks.'
        : "libdeflate-gzip is not installed: compressing with Node's zlib, which is slower (install the Debian package libdeflate-tools).",
  };
}
