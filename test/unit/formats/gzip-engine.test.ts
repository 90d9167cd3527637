import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseGzipEngine, libdeflateEngine, zlibEngine, type GzipEngine } from '../../../src/formats/gzip-engine.js';
import { ParallelGzip } from '../../../src/formats/parallel-gzip.js';
import { writeBox } from '../../../src/formats/vagrant-box.js';
import { tempDir } from '../../support/cli.js';

const LIBDEFLATE = '/usr/bin/libdeflate-gzip';

/** 40 MiB that compresses (text) with incompressible stretches, over five 8 MiB blocks. */
function sample(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 20; i++) {
    parts.push(Buffer.from(`line ${i} of a disk image that compresses well\n`.repeat(30_000)));
    parts.push(randomBytes(512 * 1024));
  }
  return Buffer.concat(parts).subarray(0, 40 * 1024 * 1024 + 12345);
}

async function compress(input: Buffer, engine: GzipEngine, level = 6): Promise<Buffer> {
  const out: Buffer[] = [];
  const gz = new ParallelGzip(level, engine);
  gz.on('data', (d: Buffer) => out.push(d));
  await pipeline(Readable.from([input.subarray(0, 1000), input.subarray(1000)]), gz);
  return Buffer.concat(out);
}

describe('box compression engines', () => {
  const engines: [string, GzipEngine][] = [
    ['zlib', zlibEngine(2)],
    ['libdeflate', libdeflateEngine(LIBDEFLATE, 2)],
  ];
  it.each(engines)(
    '%s: one gzip stream of several members that gunzip reads back, the same bytes every time',
    async (_n, engine) => {
      const input = sample();
      const a = await compress(input, engine);
      expect(gunzipSync(a).equals(input)).toBe(true);
      expect(execFileSync('gzip', ['-dc'], { input: a, maxBuffer: 64 * 1024 * 1024 }).equals(input)).toBe(true);
      expect((await compress(input, engine)).equals(a)).toBe(true);
      expect(a.length).toBeLessThan(input.length / 2);
    },
  );

  it('libdeflate makes no larger a box than zlib at the same level', async () => {
    const input = sample();
    const [z, l] = [await compress(input, engines[0]![1]), await compress(input, engines[1]![1])];
    expect(l.length).toBeLessThanOrEqual(z.length);
  });

  it('chooses libdeflate when it is installed, and zlib with a line saying so when asked or when it is not', () => {
    const saved = { gzip: process.env.BOXWRIGHT_GZIP, path: process.env.PATH };
    try {
      delete process.env.BOXWRIGHT_GZIP;
      expect(chooseGzipEngine()).toMatchObject({ engine: { description: expect.stringContaining('libdeflate') } });
      expect(chooseGzipEngine().note).toBeUndefined();
      process.env.PATH = tempDir();
      expect(chooseGzipEngine().note).toContain('install the Debian package libdeflate-tools');
      process.env.PATH = saved.path;
      process.env.BOXWRIGHT_GZIP = 'zlib';
      expect(chooseGzipEngine().engine.description).toContain('zlib');
    } finally {
      process.env.PATH = saved.path;
      if (saved.gzip === undefined) delete process.env.BOXWRIGHT_GZIP;
      else process.env.BOXWRIGHT_GZIP = saved.gzip;
    }
  });

  it('a compressor that fails fails the box, and no box or partial file is left', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'disk.img'), randomBytes(20 * 1024 * 1024));
    const broken = libdeflateEngine('/bin/false', 2);
    await expect(
      writeBox({
        entries: [{ name: 'box.img', path: path.join(dir, 'disk.img') }],
        output: path.join(dir, 'out.box'),
        compressionLevel: 6,
        mtime: new Date(0),
        gzip: broken,
      }),
    ).rejects.toThrow('/bin/false -6 failed (exit 1)');
    expect(readdirSync(dir)).toEqual(['disk.img']);
  });
});
