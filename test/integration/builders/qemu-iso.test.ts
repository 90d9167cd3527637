import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debianBaseImage } from '../../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { installerIso, installFromTestIso } from '../../support/installer-iso.js';

let installer: { iso: string; disk: string };
beforeAll(async () => {
  installer = await installerIso(await debianBaseImage());
}, 900_000);

describe('qemu builder from an installer ISO (real QEMU, TCG here)', () => {
  it('boots the ISO, installs through boot_command and http_directory onto the disk it made, and provisions the installed system', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'qemu',
          ...installFromTestIso(dir, installer),
          disk_size: '2G',
          memory: 1024,
          ssh_timeout: '5m',
          vm_name: 'installed.qcow2',
        },
      ],
      provisioners: [
        { type: 'shell', inline: ['echo "installed from $PACKER_HTTP_ADDR"', 'lsblk -dno NAME,SIZE /dev/vda'] },
      ],
    });
    const started = Date.now();
    const run = await runCli(['build', t], { cwd: dir });
    console.log(`qemu build from the installer ISO took ${Date.now() - started} ms`);
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('==> qemu: Creating a 2.0 GiB disk');
    expect(run.stdout).toContain('==> qemu: Typing the boot command...');
    expect(run.stdout).toMatch(/ {4}qemu: installed from 10\.0\.2\.2:\d+/);
    // The system runs from the builder's own 2G virtio disk, which the installer wrote.
    expect(run.stdout).toMatch(/ {4}qemu: vda +2G\n/);
    expect(readdirSync(path.join(dir, 'output-qemu'))).toEqual(['installed.qcow2']);
  }, 900_000);
});
