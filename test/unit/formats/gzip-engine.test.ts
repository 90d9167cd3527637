import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ADDON_PATH,
  chooseGzip,
  libdeflateEngine,
  LIBDEFLATE_LEVEL_FOR_PACKER,
  type GzipEngine,
} from '../../../src/formats/gzip-engine.js';
import { ParallelGzip } from '../../../src/formats/parallel-gzip.js';
import { tempDir } from '../../support/cli.js';

/** Half text, half noise: compressible, but not trivially. */
function sample(bytes: number): Buffer {
  const text = Buffer.from('boxwright packs the same disk for every platform\n'.repeat(bytes / 100));
  return Buffer.concat([text, randomBytes(bytes - text.length)]);
}

describe('the libdeflate addon', () => {
  it('is built by npm run build (scripts/build-native.sh with libdeflate-dev)', () => {
    expect(existsSync(ADDON_PATH), `${ADDON_PATH} is missing: run npm run build with libdeflate-dev installed`).toBe(
      true,
    );
  });

  it('writes one gzip member that gunzip reads back, the same bytes every time, with no timestamp', async () => {
    const input = sample(3 * 1024 * 1024);
    const engine = libdeflateEngine(6);
    const [a, b] = await Promise.all([engine.member(input), engine.member(input)]);
    expect(gunzipSync(a).equals(input)).toBe(true);
    expect(a.equals(b)).toBe(true);
    expect(a.length).toBeLessThan(input.length);
    expect(a.readUInt32LE(4), 'MTIME').toBe(0);
  });
});

describe('choosing the gzip engine for a compression_level', () => {
  it("uses libdeflate at the level that matches Packer's box size", () => {
    const { engine, fallback } = chooseGzip(6, {});
    expect(engine.description).toMatch(
      new RegExp(`^libdeflate \\d+\\.\\d+ at level ${LIBDEFLATE_LEVEL_FOR_PACKER[6]}$`),
    );
    expect(fallback).toBeUndefined();
  });

  it('falls back to zlib at the same level, saying why and what to install, when the addon is not built', async () => {
    const { engine, fallback } = chooseGzip(6, {}, path.join(tempDir(), 'deflate.node'));
    expect(engine.description).toBe('zlib at level 6');
    expect(fallback).toMatch(/libdeflate addon is not built.*install libdeflate-dev.*npm run build/);
    const input = sample(64 * 1024);
    expect(gunzipSync(await engine.member(input)).equals(input)).toBe(true);
  });

  it('takes zlib without a warning when BOXWRIGHT_GZIP=zlib asks for it', () => {
    expect(chooseGzip(9, { BOXWRIGHT_GZIP: 'zlib' })).toEqual({
      engine: expect.objectContaining({ description: 'zlib at level 9' }),
    });
  });
});

describe('ParallelGzip', () => {
  it('writes members in order, one per block, into one stream that gunzip reads whole', async () => {
    const input = sample(10 * 1024 * 1024 + 12345);
    const out = await buffer(Readable.from([input]).pipe(new ParallelGzip(libdeflateEngine(3), 1024 * 1024, 3)));
    expect(gunzipSync(out).equals(input)).toBe(true);
    let members = 0;
    for (let i = 0; i + 3 < out.length; i++) if (out[i] === 0x1f && out[i + 1] === 0x8b && out[i + 2] === 8) members++;
    expect(members).toBeGreaterThanOrEqual(11);
  });

  it('fails the stream with the engine’s error, and leaves no unhandled rejection behind', async () => {
    let calls = 0;
    const failing: GzipEngine = {
      description: 'broken',
      member: async () => {
        calls++;
        throw new Error('no space for the block');
      },
    };
    const stream = Readable.from([randomBytes(5 * 1024 * 1024)]).pipe(new ParallelGzip(failing, 1024 * 1024, 4));
    await expect(buffer(stream)).rejects.toThrow('no space for the block');
    expect(calls).toBeGreaterThanOrEqual(4);
  });
});
