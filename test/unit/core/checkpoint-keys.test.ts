import { cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointKeys, type KeyedProvisioner } from '../../../src/core/checkpoint-keys.js';
import { tempDir } from '../../support/cli.js';

function project() {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'packages.sh'), 'apt-get install -y nginx\n');
  writeFileSync(path.join(dir, 'site.conf'), 'listen 80;\n');
  const provisioners: KeyedProvisioner[] = [
    { type: 'shell', config: { scripts: ['packages.sh'], env: new Map([['A', '1']]) }, inputs: ['packages.sh'] },
    { type: 'file', config: { sources: ['site.conf'], destination: '/etc/nginx/' }, inputs: ['site.conf'] },
    { type: 'shell', config: { inline: ['systemctl enable nginx'] }, inputs: [] },
  ];
  return { dir, provisioners };
}

const base = { builder: 'docker', image: 'sha256:abc', runCommand: ['-d', '{{.Image}}'] };

describe('checkpoint keys', () => {
  it('are the same for the same base, options and file contents, whatever the order of option keys', async () => {
    const { dir, provisioners } = project();
    const first = await checkpointKeys(base, provisioners, dir);
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(3);
    const reordered = provisioners.map((p) => ({
      ...p,
      config: Object.fromEntries(Object.entries(p.config as object).reverse()),
    }));
    expect(
      await checkpointKeys({ runCommand: base.runCommand, image: base.image, builder: 'docker' }, reordered, dir),
    ).toEqual(first);
  });

  it("change from the provisioner whose script's contents changed, not before it", async () => {
    const { dir, provisioners } = project();
    const before = await checkpointKeys(base, provisioners, dir);
    writeFileSync(path.join(dir, 'site.conf'), 'listen 8080;\n');
    const after = await checkpointKeys(base, provisioners, dir);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[2]).not.toBe(before[2]);
  });

  it('change from an edited option on, and all of them with another base image', async () => {
    const { dir, provisioners } = project();
    const before = await checkpointKeys(base, provisioners, dir);
    const edited = [...provisioners];
    edited[2] = { ...edited[2]!, config: { inline: ['systemctl enable --now nginx'] } };
    const after = await checkpointKeys(base, edited, dir);
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).not.toBe(before[2]);
    const rebased = await checkpointKeys({ ...base, image: 'sha256:def' }, provisioners, dir);
    rebased.forEach((key, i) => expect(key).not.toBe(before[i]));
  });

  it('end at a provisioner that cannot list what it sends: it and those after it always run', async () => {
    const { dir, provisioners } = project();
    const opaque = [...provisioners];
    opaque[1] = { ...opaque[1]!, inputs: undefined };
    const keys = await checkpointKeys(base, opaque, dir);
    expect(keys[0]).toBeDefined();
    expect(keys.slice(1)).toEqual([undefined, undefined]);
  });

  it('hold no option value in clear, only its hash', async () => {
    const { dir } = project();
    const secret = 's3cr3t-db-password';
    const keys = await checkpointKeys(
      base,
      [{ type: 'shell', config: { env: { DB_PASSWORD: secret } }, inputs: [] }],
      dir,
    );
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    const other = await checkpointKeys(
      base,
      [{ type: 'shell', config: { env: { DB_PASSWORD: 'another' } }, inputs: [] }],
      dir,
    );
    expect(other[0]).not.toBe(keys[0]);
  });

  it('stay the same when the project moves to another directory', async () => {
    const { dir, provisioners } = project();
    const moved = path.join(tempDir(), 'moved');
    cpSync(dir, moved, { recursive: true });
    expect(await checkpointKeys(base, provisioners, moved)).toEqual(await checkpointKeys(base, provisioners, dir));
  });

  it('see an edit that keeps the size and the modification time, with the digests remembered', async () => {
    const { dir, provisioners } = project();
    const cache = tempDir();
    const script = path.join(dir, 'packages.sh');
    const longAgo = new Date('2026-01-01T00:00:00Z');
    utimesSync(script, longAgo, longAgo);
    const before = await checkpointKeys(base, provisioners, dir, cache);
    expect(await checkpointKeys(base, provisioners, dir, cache)).toEqual(before);
    writeFileSync(script, 'apt-get install -y apach\n');
    utimesSync(script, longAgo, longAgo);
    const after = await checkpointKeys(base, provisioners, dir, cache);
    expect(after[0]).not.toBe(before[0]);
    expect(after).toEqual(await checkpointKeys(base, provisioners, dir));
  });

  it('come from the remembered digest of a file that did not change, without reading it again', async () => {
    const { dir, provisioners } = project();
    const cache = tempDir();
    const longAgo = new Date('2026-01-01T00:00:00Z');
    utimesSync(path.join(dir, 'packages.sh'), longAgo, longAgo);
    const before = await checkpointKeys(base, provisioners, dir, cache);
    // Were the file read again, the key could not follow this (false) remembered digest.
    const file = path.join(cache, 'file-digests.cache');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { files: Record<string, { sha256: string }> };
    saved.files[path.join(dir, 'packages.sh')]!.sha256 = '0'.repeat(64);
    writeFileSync(file, JSON.stringify(saved));
    expect((await checkpointKeys(base, provisioners, dir, cache))[0]).not.toBe(before[0]);
  });
});
