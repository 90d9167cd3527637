import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCompressedFile } from '../../../src/formats/tarball.js';
import { xzCompressor } from '../../../src/formats/xz.js';
import { tempDir } from '../../support/cli.js';

/** This process's own xz children. */
const xzProcesses = () => {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', 'xz'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return []; // pgrep finds none
  }
};

describe('compressing one file', () => {
  it('a cancelled xz leaves neither a partial file nor an xz process', async () => {
    const dir = tempDir();
    const source = path.join(dir, 'disk.img');
    // Random bytes keep xz busy long enough to be cancelled half-way.
    writeFileSync(source, randomBytes(64 * 1024 * 1024));
    const controller = new AbortController();
    const writing = writeCompressedFile(
      source,
      path.join(dir, 'disk.img.xz'),
      () => xzCompressor(6, controller.signal),
      controller.signal,
    );
    setTimeout(() => controller.abort(), 300);
    await expect(writing).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['disk.img']);
    const until = Date.now() + 3000;
    while (xzProcesses().length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(xzProcesses()).toEqual([]);
  });
});
