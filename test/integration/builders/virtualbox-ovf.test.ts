import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyManifest } from '../../../src/formats/appliance.js';
import { exportAppliance } from '../../../src/machines/export-appliance.js';
import { parseOvf } from '../../../src/formats/ovf.js';
import { debianBaseImage } from '../../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { bootDisk, loginVagrant } from '../../support/vm.js';

const signal = new AbortController().signal;
let base: string;
beforeAll(async () => {
  base = await debianBaseImage();
}, 900_000);

describe('virtualbox-ovf on the qemu driver (real QEMU, TCG here)', () => {
  it('boots an OVA made from the base image, provisions it, exports an OVF whose VMDK is checked, boots again and parses back', async () => {
    const dir = tempDir();
    // The source appliance, written by the same exporter a virtualbox build uses.
    await exportAppliance(
      base,
      dir,
      {
        vmName: 'debian-base',
        osType: 'Debian_64',
        cpus: 2,
        memoryMb: 1024,
        controller: 'sata',
        nic: 'E1000',
        format: 'ova',
      },
      signal,
    );
    writeFileSync(path.join(dir, 'motd'), 'welcome to the box\n');
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'virtualbox-ovf',
          source_path: 'debian-base.ova',
          checksum: 'none',
          vm_name: 'devbox',
          boot_wait: '0s',
          headless: true,
          ssh_username: 'vagrant',
          ssh_password: 'vagrant',
          ssh_timeout: '5m',
          shutdown_command: 'sudo poweroff',
          vboxmanage: [['modifyvm', '{{.Name}}', '--memory', '2048']],
        },
      ],
      provisioners: [
        {
          type: 'shell',
          inline: [
            'echo "provisioned on $(cat /sys/class/net/eth0/device/uevent | sed -n s/DRIVER=//p)" | sudo tee /etc/provisioned',
          ],
        },
        { type: 'file', source: 'motd', destination: '/tmp/motd' },
        { type: 'shell', inline: ['sudo mv /tmp/motd /etc/motd'] },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('Driver: qemu (VBoxManage not found; QEMU with VirtualBox-like hardware)');
    expect(run.all).toContain('Ignoring "vboxmanage": only VirtualBox can apply it');
    expect(run.all).toContain('Appliance "debian-base": Debian_64, 2 CPU, 1024 MB, SATA disk, E1000 network');
    // The guest met VirtualBox's NIC: the e1000 driver took it.
    expect(run.all).toContain('provisioned on e1000');
    expect(run.all).toContain('qemu-img compare found the VMDK identical to the guest disk');

    const out = path.join(dir, 'output-virtualbox-ovf');
    expect(readdirSync(out).sort()).toEqual(['devbox-disk001.vmdk', 'devbox.mf', 'devbox.ovf']);
    await verifyManifest(path.join(out, 'devbox.mf'), out, signal);
    const vmdk = path.join(out, 'devbox-disk001.vmdk');
    expect(() => execFileSync('qemu-img', ['check', vmdk])).not.toThrow();
    const machine = parseOvf(readFileSync(path.join(out, 'devbox.ovf'), 'utf8'));
    expect(machine).toMatchObject({
      name: 'devbox',
      osType: 'Debian_64',
      cpus: 2,
      memoryMb: 1024,
      controller: 'sata',
      nic: 'E1000',
    });
    expect(machine.disks).toEqual([{ file: 'devbox-disk001.vmdk', capacityBytes: 3 * 1024 ** 3, fileBytes: 0 }]);

    // The exported disk boots on VirtualBox-like hardware (AHCI + e1000) with the provisioning in it.
    const vm = await bootDisk(vmdk, [
      '-device',
      'ahci,id=ahci0',
      '-drive',
      'file=IMAGE,format=vmdk,if=none,id=d0,snapshot=on',
      '-device',
      'ide-hd,drive=d0,bus=ahci0.0',
      '-device',
      'e1000,netdev=n0',
    ]);
    try {
      const { comm, run: sh } = await loginVagrant(vm);
      expect((await sh('cat /etc/provisioned /etc/motd')).out).toEqual(['provisioned on e1000', 'welcome to the box']);
      await comm.close();
    } finally {
      await vm.stop();
    }
  }, 600_000);

  it('refuses an appliance whose files do not match its manifest, before booting anything', async () => {
    const dir = tempDir();
    const disk = path.join(dir, 'tiny.qcow2');
    execFileSync('qemu-img', ['create', '-f', 'qcow2', disk, '16M']);
    await exportAppliance(
      disk,
      dir,
      { vmName: 'tiny', osType: 'Debian_64', cpus: 1, memoryMb: 256, controller: 'ide', nic: 'E1000', format: 'ovf' },
      signal,
    );
    const mf = path.join(dir, 'tiny.mf');
    writeFileSync(mf, readFileSync(mf, 'utf8').replace(/(tiny-disk001\.vmdk\)= )[0-9a-f]{4}/, '$1ffff'));
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'virtualbox-ovf',
          source_path: 'tiny.ovf',
          checksum: 'none',
          communicator: 'none',
          boot_wait: '0s',
          headless: true,
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('tiny-disk001.vmdk does not match the manifest tiny.mf');
    expect(run.all).toContain('export it again');
    expect(run.all).not.toContain('Starting the virtual machine');
    expect(existsSync(path.join(dir, 'output-virtualbox-ovf'))).toBe(false);
  });
});
