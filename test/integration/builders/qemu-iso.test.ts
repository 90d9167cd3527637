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
  it('boots the ISO, installs through boot_command and http_directory onto the disk it made, provisions the installed system, and rebuilds an edit by continuing the saved machine', async () => {
    const dir = tempDir();
    const env = { BOXWRIGHT_CHECKPOINT_DIR: path.join(dir, 'checkpoints') };
    const fromIso = installFromTestIso(dir, installer);
    const template = (last: string) => ({
      builders: [
        {
          type: 'qemu',
          ...fromIso,
          disk_size: '2G',
          memory: 1024,
          ssh_timeout: '5m',
          vm_name: 'installed.qcow2',
        },
      ],
      provisioners: [
        { type: 'shell', inline: ['echo "installed from $PACKER_HTTP_ADDR"', 'lsblk -dno NAME,SIZE /dev/vda'] },
        { type: 'shell', inline: [last] },
      ],
    });
    const started = Date.now();
    const run = await runCli(['build', writeTemplate(dir, template('echo last-v1'))], { cwd: dir, env });
    console.log(`qemu build from the installer ISO took ${Date.now() - started} ms`);
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('==> qemu: Creating a 2.0 GiB disk');
    expect(run.stdout).toContain('==> qemu: Typing the boot command...');
    expect(run.stdout).toMatch(/ {4}qemu: installed from 10\.0\.2\.2:\d+/);
    // The system runs from the builder's own 2G virtio disk, which the installer wrote.
    expect(run.stdout).toMatch(/ {4}qemu: vda +2G\n/);
    expect(readdirSync(path.join(dir, 'output-qemu'))).toEqual(['installed.qcow2']);

    // The last provisioner edited: the machine saved after the first continues, with the
    // installer ISO in its drive as when it was saved, and nothing is typed or installed.
    const again = await runCli(['build', '-force', writeTemplate(dir, template('echo last-v2; cat /proc/cmdline'))], {
      cwd: dir,
      env,
    });
    expect(again.code, again.all).toBe(0);
    expect(again.stdout).toContain('Continuing the machine saved with the checkpoint (its memory too: no boot)');
    expect(again.stdout).not.toContain('Typing the boot command');
    expect(again.stdout).not.toContain('installed from');
    expect(again.stdout).toMatch(/ {4}qemu: last-v2\n/);
    expect(readdirSync(path.join(dir, 'output-qemu'))).toEqual(['installed.qcow2']);
  }, 900_000);
});
