import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileProvisioner } from '../../../src/provisioners/file/index.js';

describe('where the file provisioner says its uploads land (for VM checkpoints)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-file-'));
  mkdirSync(path.join(dir, 'pkgs'));
  writeFileSync(path.join(dir, 'motd'), 'hi\n');
  const writes = (sources: string[], destination: string, direction: 'upload' | 'download' = 'upload') =>
    fileProvisioner.guestWrites!({ sources: sources.map((s) => path.join(dir, s)), destination, direction });

  it('follows Packer: "dir/" fills the destination, "dir" goes inside it', () => {
    expect(writes(['pkgs/'], '/tmp/app-packages')).toEqual(['/tmp/app-packages']);
    expect(writes(['pkgs'], '/tmp/app')).toEqual(['/tmp/app/pkgs']);
  });

  it('puts a file at the destination, or inside it when it ends in "/" or there are several sources', () => {
    expect(writes(['motd'], '/etc/motd')).toEqual(['/etc/motd']);
    expect(writes(['motd'], '/tmp/')).toEqual(['/tmp/motd']);
    expect(writes(['motd', 'pkgs/'], '/tmp/in')).toEqual(['/tmp/in/motd', '/tmp/in']);
  });

  it('writes nothing on the machine when it downloads', () => {
    expect(writes(['motd'], 'out/', 'download')).toEqual([]);
  });
});
