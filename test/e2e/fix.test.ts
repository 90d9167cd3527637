import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemplate } from '../support/cli.js';

describe('boxwright fix (Packer 1.6 refuses iso_checksum_type and says "packer fix")', () => {
  it('validate names the removed option and offers fix; fix rewrites the template into one that validates', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'qemu',
          iso_url: 'x.iso',
          iso_checksum: 'a'.repeat(64),
          iso_checksum_type: 'sha256',
          ssh_wait_timeout: '10m',
          communicator: 'none',
        },
        {
          type: 'virtualbox-iso',
          iso_url: 'x.iso',
          iso_checksum_url: 'http://127.0.0.1/SHA256SUMS',
          iso_checksum_type: 'sha256',
          communicator: 'none',
        },
      ],
    });
    const refused = await runCli(['validate', t], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.all).toContain('"iso_checksum_type" was removed in Packer 1.6');
    expect(refused.all).toContain('run `boxwright fix TEMPLATE > fixed.json`');

    const fixed = await runCli(['fix', t], { cwd: dir });
    expect(fixed.code).toBe(0);
    const template = JSON.parse(fixed.stdout) as { builders: Record<string, unknown>[] };
    expect(template.builders[0]).toMatchObject({ iso_checksum: `sha256:${'a'.repeat(64)}`, ssh_timeout: '10m' });
    expect(template.builders[0]).not.toHaveProperty('iso_checksum_type');
    expect(template.builders[1]).toMatchObject({ iso_checksum: 'file:http://127.0.0.1/SHA256SUMS' });
    expect(fixed.stderr).toContain('fixed builders[0].iso_checksum: iso_checksum_type folded into iso_checksum');
    writeFileSync(path.join(dir, 'fixed.json'), fixed.stdout);
    expect((await runCli(['validate', 'fixed.json'], { cwd: dir })).code).toBe(0);
  });
});
