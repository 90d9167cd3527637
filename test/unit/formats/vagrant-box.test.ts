import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBox, type BoxEntry } from '../../../src/formats/vagrant-box.js';
import { libdeflateEngine, zlibEngine } from '../../../src/formats/gzip-engine.js';
import { tempDir } from '../../support/cli.js';

function inputs(dir: string): BoxEntry[] {
  // 20 MiB of incompressible data spans several gzip members.
  writeFileSync(path.join(dir, 'disk.img'), randomBytes(20 * 1024 * 1024));
  return [
    { name: 'metadata.json', content: '{"provider":"libvirt","format":"qcow2","virtual_size":3}' },
    { name: 'box.img', path: path.join(dir, 'disk.img') },
    { name: 'Vagrantfile', content: 'Vagrant.configure("2") do |config|\nend\n' },
  ];
}

const mtime = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

describe('writing a Vagrant box', () => {
  it.each([
    ['libdeflate', () => libdeflateEngine(3)],
    ['zlib', () => zlibEngine(6)],
  ])('gives byte-identical boxes for the same inputs (%s)', async (_name, engine) => {
    const dir = tempDir();
    const entries = inputs(dir);
    const a = await writeBox({ entries, output: path.join(dir, 'a.box'), gzip: engine(), mtime });
    const b = await writeBox({
      entries: [...entries].reverse(),
      output: path.join(dir, 'b.box'),
      gzip: engine(),
      mtime,
    });
    expect(a.sha256).toBe(b.sha256);
    expect(readFileSync(a.path).equals(readFileSync(b.path))).toBe(true);
  });

  it.each([
    ['libdeflate', () => libdeflateEngine(3)],
    ['zlib', () => zlibEngine(6)],
  ])(
    'is a gzip tar with sorted entries, root-owned, mode 0644, one mtime, no wrapping directory (%s)',
    async (_name, engine) => {
      const dir = tempDir();
      const box = await writeBox({ entries: inputs(dir), output: path.join(dir, 'x.box'), gzip: engine(), mtime });
      execFileSync('gzip', ['-t', box.path]);
      const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', box.path], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC' },
      })
        .trim()
        .split('\n');
      expect(listing.map((l) => l.split(/\s+/).pop())).toEqual(['Vagrantfile', 'box.img', 'metadata.json']);
      for (const line of listing) expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2024-01-02 03:04:05 /);
      const out = path.join(dir, 'x');
      execFileSync('mkdir', [out]);
      execFileSync('tar', ['-xzf', box.path, '-C', out]);
      expect(readFileSync(path.join(out, 'box.img')).equals(readFileSync(path.join(dir, 'disk.img')))).toBe(true);
      expect(box.size).toBe(readFileSync(box.path).length);
    },
  );

  it('writes a plain tar without a gzip engine (compression level 0)', async () => {
    const dir = tempDir();
    const box = await writeBox({
      entries: inputs(dir),
      output: path.join(dir, 'plain.box'),
      gzip: undefined,
      mtime,
    });
    expect(readFileSync(box.path).subarray(257, 262).toString()).toBe('ustar');
    expect(execFileSync('tar', ['-tf', box.path], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'Vagrantfile',
      'box.img',
      'metadata.json',
    ]);
  });

  it('leaves neither the box nor a partial file when cancelled', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    const writing = writeBox({
      entries: inputs(dir),
      output: path.join(dir, 'c.box'),
      gzip: zlibEngine(9),
      mtime,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(writing).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.box'))).toEqual([]);
    expect(existsSync(path.join(dir, 'c.box'))).toBe(false);
  });
});
