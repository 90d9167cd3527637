import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const zlibGzip = promisify(gzip);

/** Compresses one block into one complete gzip member; members concatenate into one gzip stream. */
export interface GzipEngine {
  /** What the UI names: "libdeflate 1.14 at level 3". */
  readonly description: string;
  member(block: Buffer): Promise<Buffer>;
}

/** Where `npm run build` puts the addon, from src/formats or dist/formats alike. */
export const ADDON_PATH = fileURLToPath(new URL('../../dist/native/deflate.node', import.meta.url));

interface DeflateAddon {
  gzip(block: Buffer, level: number): Promise<Buffer>;
  libdeflateVersion: string;
}

/**
 * Packer's compression_level, mapped to the libdeflate level that writes a smaller box than
 * Packer's at that level (measured by test/bench/gzip-levels.bench.ts on the base disk):
 * libdeflate matches better than Go's flate, so it gets there with less work.
 */
export const LIBDEFLATE_LEVEL_FOR_PACKER = [0, 1, 1, 2, 2, 3, 3, 5, 6, 9] as const;

export function libdeflateEngine(level: number, addonPath = ADDON_PATH): GzipEngine {
  const addon = createRequire(import.meta.url)(addonPath) as DeflateAddon;
  return {
    description: `libdeflate ${addon.libdeflateVersion} at level ${level}`,
    member: (block) => addon.gzip(block, level),
  };
}

export function zlibEngine(level: number): GzipEngine {
  return { description: `zlib at level ${level}`, member: (block) => zlibGzip(block, { level }) };
}

export const ZLIB_FALLBACK =
  "Compressing with Node's zlib, about 3 times slower than libdeflate: boxwright's libdeflate addon is not built " +
  '(install libdeflate-dev and a C compiler, then run npm run build)';

/**
 * The gzip engine for Packer's compression_level (1-9): libdeflate at the level that matches
 * Packer's box size when the addon is built, otherwise zlib at Packer's own level, with a line
 * that says why. BOXWRIGHT_GZIP=zlib picks zlib on purpose.
 */
export function chooseGzip(
  packerLevel: number,
  env: NodeJS.ProcessEnv = process.env,
  addonPath = ADDON_PATH,
): { engine: GzipEngine; fallback?: string } {
  if (env.BOXWRIGHT_GZIP === 'zlib') return { engine: zlibEngine(packerLevel) };
  try {
    return { engine: libdeflateEngine(LIBDEFLATE_LEVEL_FOR_PACKER[packerLevel] ?? 9, addonPath) };
  } catch {
    return { engine: zlibEngine(packerLevel), fallback: ZLIB_FALLBACK };
  }
}
