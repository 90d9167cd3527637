import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseGzipEngine, libdeflateEngine, zlibEngine, type GzipEngine } from '../../../src/formats/gzip-engine.js';
import { ParallelGzip } from '../../../src/formats/parallel-gzip.js';
import { onPath } from '../../../src/util/on-path.js';
import { tempDir } from '../../support/cli.js';

const LIBDEFLATE = onPath('libdeflate-gzip');

/** Half text that compresses, half noise that does not, across several blocks. */
function sample(): Buffer {
  const text = Buffer.from('boxwright packs Vagrant boxes from the disk it built. '.repeat(60_000));
  return Buffer.concat([text, randomBytes(2 * 1024 * 1024), text]);
}

async function compress(engine: GzipEngine, input: Buffer, level = 6, blockSize = 1024 * 1024): Promise<Buffer> {
  // Odd chunk sizes, so that blocks are filled from pieces.
  const chunks: Buffer[] = [];
  for (let at = 0; at < input.length; at += 100_003) chunks.push(input.subarray(at, at + 100_003));
  return buffer(Readable.from(chunks).pipe(new ParallelGzip(level, engine, blockSize)));
}

describe('parallel gzip', () => {
  it("zlib's members make one gzip stream that gunzip and zlib read back whole", async () => {
    const input = sample();
    const out = await compress(zlibEngine(2), input);
    expect(gunzipSync(out).equals(input)).toBe(true);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x.gz'), out);
    expect(execFileSync('gzip', ['-dc', path.join(dir, 'x.gz')], { maxBuffer: 64 * 1024 * 1024 }).equals(input)).toBe(
      true,
    );
    // The same input gives the same bytes, and a higher level a smaller stream.
    expect((await compress(zlibEngine(2), input)).equals(out)).toBe(true);
    expect((await compress(zlibEngine(2), input, 1)).length).toBeGreaterThan(out.length);
  });

  it('libdeflate gives the same input back, the same bytes every time, smaller than zlib', async () => {
    expect(LIBDEFLATE, 'libdeflate-gzip is installed (scripts/install-system-deps.sh)').toBeDefined();
    const input = sample();
    const engine = libdeflateEngine(LIBDEFLATE!, 2);
    const out = await compress(engine, input);
    expect(gunzipSync(out).equals(input)).toBe(true);
    expect((await compress(engine, input)).equals(out)).toBe(true);
    expect(out.length).toBeLessThan((await compress(zlibEngine(2), input)).length);
  });

  it('fails the stream with what the compressor said when it fails', async () => {
    const dir = tempDir();
    const broken = path.join(dir, 'libdeflate-gzip');
    writeFileSync(broken, '#!/bin/sh\necho "out of memory" >&2\nexit 3\n');
    chmodSync(broken, 0o755);
    await expect(compress(libdeflateEngine(broken, 2), sample())).rejects.toThrow(/exit 3\): out of memory/);
  });

  it('chooses libdeflate when it is on PATH, else zlib with a line that says what to install', () => {
    const dir = tempDir();
    const fake = path.join(dir, 'libdeflate-gzip');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    const found = chooseGzipEngine({ PATH: dir });
    expect(found.engine.name).toBe('libdeflate');
    expect(found.note).toBeUndefined();
    const missing = chooseGzipEngine({ PATH: tempDir() });
    expect(missing.engine.name).toBe("Node's zlib");
    expect(missing.note).toContain("install Debian's libdeflate-tools");
    expect(chooseGzipEngine({ PATH: dir, BOXWRIGHT_GZIP: 'zlib' }).note).toContain('BOXWRIGHT_GZIP=zlib');
  });
});
