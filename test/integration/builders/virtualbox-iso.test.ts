import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openAppliance } from '../../../src/formats/appliance.js';
import { debianBaseImage } from '../../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { installerIso, installFromTestIso } from '../../support/installer-iso.js';
import { bootDisk, loginVagrant } from '../../support/vm.js';

const signal = new AbortController().signal;
let installer: { iso: string; disk: string };
beforeAll(async () => {
  installer = await installerIso(await debianBaseImage());
}, 900_000);

describe('virtualbox-iso on the qemu driver (real QEMU, TCG here)', () => {
  it('installs from an ISO through boot_command and http_directory, provisions, and exports an OVA that boots on VirtualBox-like hardware', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'virtualbox-iso',
          ...installFromTestIso(dir, installer),
          guest_os_type: 'Debian_64',
          disk_size: '2G',
          memory: 1024,
          ssh_timeout: '8m',
          headless: true,
          vm_name: 'installed',
          format: 'ova',
        },
      ],
      provisioners: [
        {
          type: 'shell',
          inline: ['echo "installed from $PACKER_HTTP_ADDR" | sudo tee /etc/provisioned', 'lsblk -dno SIZE /dev/sda'],
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('Driver: qemu');
    expect(run.all).toMatch(/Typing the boot command/);
    // The installed system runs on the 2G disk the builder made, on PIIX IDE (VirtualBox's default).
    expect(run.all).toMatch(/installed from 10\.0\.2\.2:\d+/);
    expect(run.all).toMatch(/virtualbox-iso: +2G\n/);

    const out = path.join(dir, 'output-virtualbox-iso');
    expect(readdirSync(out)).toEqual(['installed.ova']);
    const appliance = await openAppliance(path.join(out, 'installed.ova'), signal);
    try {
      expect(appliance.machine).toMatchObject({
        name: 'installed',
        osType: 'Debian_64',
        cpus: 1,
        memoryMb: 1024,
        controller: 'ide',
        nic: 'E1000',
      });
      expect(appliance.machine.disks.map((d) => [d.file, d.capacityBytes])).toEqual([
        ['installed-disk001.vmdk', 2 * 1024 ** 3],
      ]);
      const vmdk = path.join(appliance.dir, 'installed-disk001.vmdk');
      expect(() => execFileSync('qemu-img', ['check', vmdk])).not.toThrow();
      const vm = await bootDisk(vmdk, [
        '-drive',
        'file=IMAGE,format=vmdk,if=ide,snapshot=on',
        '-device',
        'e1000,netdev=n0',
      ]);
      try {
        const { comm, run: sh } = await loginVagrant(vm);
        expect((await sh('cat /etc/provisioned')).out[0]).toMatch(/^installed from 10\.0\.2\.2:\d+$/);
        await comm.close();
      } finally {
        await vm.stop();
      }
    } finally {
      if (appliance.unpacked) await rm(appliance.unpacked, { recursive: true, force: true });
    }
  }, 900_000);
});
