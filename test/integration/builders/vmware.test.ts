import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeVmx, machineFromVmx, parseVmx, vmxFor } from '../../../src/formats/vmx.js';
import { debianBaseImage } from '../../support/base-image.js';
import { installerIso, installFromTestIso } from '../../support/installer-iso.js';
import { parseOvf } from '../../../src/formats/ovf.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { vagrant } from '../../support/vagrant.js';
import { bootDisk, loginVagrant } from '../../support/vm.js';

let base: string;
let installer: { iso: string; disk: string };
beforeAll(async () => {
  base = await debianBaseImage();
  installer = await installerIso(base);
}, 900_000);

/** A VMware VM folder made from the base image: PVSCSI disk and vmxnet3 NIC, as VMware's newer guests have. */
function sourceVm(dir: string): string {
  const folder = path.join(dir, 'source');
  mkdirSync(folder);
  execFileSync('qemu-img', [
    'convert',
    '-O',
    'vmdk',
    '-o',
    'subformat=monolithicSparse',
    base,
    path.join(folder, 'base.vmdk'),
  ]);
  const vmx = path.join(folder, 'base.vmx');
  const machine = {
    name: 'base',
    guestOs: 'debian11-64',
    memoryMb: 1024,
    cpus: 2,
    cores: undefined,
    hardwareVersion: 19,
    firmware: 'bios' as const,
    adapter: 'pvscsi' as const,
    diskFile: 'base.vmdk',
    nic: 'vmxnet3' as const,
    network: 'nat',
  };
  writeFileSync(vmx, encodeVmx(vmxFor(machine)));
  return vmx;
}

const vmx = (source: string, extra: Record<string, unknown>) => ({
  type: 'vmware-vmx',
  driver: 'qemu',
  source_path: source,
  headless: true,
  boot_wait: '0s',
  ssh_username: 'vagrant',
  ssh_password: 'vagrant',
  ssh_timeout: '5m',
  shutdown_command: 'sudo poweroff',
  ...extra,
});

describe('vmware-vmx on the qemu driver (real QEMU, TCG here)', () => {
  it('clones a VMware machine (full and linked), provisions it on VMware-like hardware, and writes a VM folder that boots again and that vagrant takes', async () => {
    const dir = tempDir();
    const source = sourceVm(dir);
    const t = writeTemplate(dir, {
      builders: [
        vmx(source, {
          name: 'full',
          vm_name: 'devbox',
          output_directory: 'out-full',
          vmx_data: { annotation: 'built by boxwright' },
        }),
        vmx(source, {
          name: 'linked',
          linked: true,
          vm_name: 'devbox',
          output_directory: 'out-linked',
          disk_type_id: '0',
        }),
      ],
      provisioners: [
        {
          type: 'shell',
          inline: [
            'echo "provisioned on {{build_name}}" | sudo tee /etc/provisioned',
            'ls /sys/bus/pci/drivers | grep -E "^(vmxnet3|vmw_pvscsi)$"',
            'sync',
          ],
        },
      ],
      'post-processors': [
        {
          type: 'vagrant',
          only: ['full'],
          output: 'boxes/{{.BuildName}}-{{.Provider}}.box',
          compression_level: 1,
          keep_input_artifact: true,
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('Driver: qemu (pinned by "driver")');
    expect(run.all).toContain('Machine "base": debian11-64, 2 CPU, 1024 MB, pvscsi disk, vmxnet3 network');
    // The guest ran on the same NIC and disk chips VMware gives it.
    expect(run.all).toMatch(/full: vmw_pvscsi/);
    expect(run.all).toMatch(/full: vmxnet3/);

    for (const [name, extents] of [
      ['out-full', ['disk-s001.vmdk']],
      ['out-linked', []],
    ] as const) {
      const out = path.join(dir, name);
      const files = readdirSync(out).sort();
      expect(files).toEqual(
        expect.arrayContaining(['devbox.nvram', 'devbox.vmsd', 'devbox.vmx', 'devbox.vmxf', 'disk.vmdk', ...extents]),
      );
      expect(files.filter((f) => !f.startsWith('devbox.') && !f.startsWith('disk'))).toEqual([]);
      const machine = machineFromVmx(parseVmx(readFileSync(path.join(out, 'devbox.vmx'), 'utf8')));
      expect(machine).toMatchObject({
        name: 'devbox',
        guestOs: 'debian11-64',
        memoryMb: 1024,
        cpus: 2,
        adapter: 'pvscsi',
        nic: 'vmxnet3',
        diskFile: 'disk.vmdk',
        hardwareVersion: 19,
      });
      expect(() => execFileSync('qemu-img', ['check', path.join(out, 'disk.vmdk')])).not.toThrow();
    }
    expect(parseVmx(readFileSync(path.join(dir, 'out-full', 'devbox.vmx'), 'utf8')).get('annotation')).toBe(
      'built by boxwright',
    );
    // disk_type_id 0 is one growable file; the default (1) splits it in 2 GB extents.
    expect(
      readFileSync(path.join(dir, 'out-linked', 'disk.vmdk'))
        .subarray(0, 4)
        .toString('latin1'),
    ).toBe('KDMV');
    expect(readFileSync(path.join(dir, 'out-full', 'disk.vmdk'), 'utf8')).toContain(
      'createType="twoGbMaxExtentSparse"',
    );

    // The clone's disk boots on the VMware-like hardware with the provisioned file in it.
    const vm = await bootDisk(path.join(dir, 'out-linked', 'disk.vmdk'), [
      '-drive',
      'file=IMAGE,format=vmdk,if=none,id=d0,snapshot=on',
      '-device',
      'pvscsi,id=s0',
      '-device',
      'scsi-hd,drive=d0,bus=s0.0',
      '-device',
      'vmxnet3,netdev=n0',
    ]);
    try {
      const { comm, run: sh } = await loginVagrant(vm);
      expect((await sh('cat /etc/provisioned')).out[0]).toMatch(/^provisioned on linked/);
      await comm.close();
    } finally {
      await vm.stop();
    }

    const box = path.join(dir, 'boxes', 'full-vmware_desktop.box');
    const home = tempDir('boxwright-vagrant-home-');
    await vagrant(['box', 'add', '--name', 'boxwright/vmware-built', box], home);
    expect((await vagrant(['box', 'list'], home)).stdout).toMatch(/^boxwright\/vmware-built\s+\(vmware_desktop, 0\)/m);
  }, 900_000);
});

describe('vmware-iso on the qemu driver (real QEMU, TCG here)', () => {
  it('installs from an ISO through boot_command and http_directory on a SATA disk and an e1000e NIC, and writes the VM folder and a VMware OVF beside it', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'vmware-iso',
          ...installFromTestIso(dir, installer),
          guest_os_type: 'debian11-64',
          disk_size: '2G',
          disk_adapter_type: 'sata',
          network_adapter_type: 'e1000e',
          version: '19',
          memory: 1024,
          ssh_timeout: '8m',
          headless: true,
          vm_name: 'installed',
          disk_type_id: '0',
          format: 'ovf',
        },
      ],
      provisioners: [
        {
          type: 'shell',
          inline: [
            'echo "installed from $PACKER_HTTP_ADDR" | sudo tee /etc/provisioned',
            'ls /sys/bus/pci/drivers | grep -E "^(e1000e|ahci)$"',
          ],
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toMatch(/Driver: qemu \(vmrun not found; QEMU with VMware-like hardware\)/);
    expect(run.all).toMatch(/vmware-iso: ahci\n/);
    expect(run.all).toMatch(/vmware-iso: e1000e\n/);
    const out = path.join(dir, 'output-vmware-iso');
    expect(readdirSync(out).sort()).toEqual([
      'disk.vmdk',
      'installed-disk001.vmdk',
      'installed.mf',
      'installed.nvram',
      'installed.ovf',
      'installed.vmsd',
      'installed.vmx',
      'installed.vmxf',
    ]);
    const machine = machineFromVmx(parseVmx(readFileSync(path.join(out, 'installed.vmx'), 'utf8')));
    expect(machine).toMatchObject({
      guestOs: 'debian11-64',
      adapter: 'sata',
      nic: 'e1000e',
      diskFile: 'disk.vmdk',
      hardwareVersion: 19,
      memoryMb: 1024,
    });
    const ovfText = readFileSync(path.join(out, 'installed.ovf'), 'utf8');
    expect(ovfText).toContain('<vssd:VirtualSystemType>vmx-19</vssd:VirtualSystemType>');
    expect(ovfText).toContain('vmw:osType="debian11_64Guest"');
    expect(ovfText).toContain('<rasd:ResourceSubType>vmware.sata.ahci</rasd:ResourceSubType>');
    expect(ovfText).toContain('<rasd:ResourceSubType>E1000e</rasd:ResourceSubType>');
    expect(parseOvf(ovfText)).toMatchObject({ name: 'installed', cpus: 1, memoryMb: 1024, controller: 'sata' });
    for (const vmdk of ['disk.vmdk', 'installed-disk001.vmdk']) {
      expect(() => execFileSync('qemu-img', ['check', path.join(out, vmdk)])).not.toThrow();
    }
    expect(() =>
      execFileSync('qemu-img', [
        'compare',
        '-q',
        path.join(out, 'disk.vmdk'),
        path.join(out, 'installed-disk001.vmdk'),
      ]),
    ).not.toThrow();
    const vm = await bootDisk(path.join(out, 'disk.vmdk'), [
      '-drive',
      'file=IMAGE,format=vmdk,if=none,id=d0,snapshot=on',
      '-device',
      'ahci,id=a0',
      '-device',
      'ide-hd,drive=d0,bus=a0.0',
      '-device',
      'e1000e,netdev=n0',
    ]);
    try {
      const { comm, run: sh } = await loginVagrant(vm);
      expect((await sh('cat /etc/provisioned')).out[0]).toMatch(/^installed from 10\.0\.2\.2:\d+$/);
      await comm.close();
    } finally {
      await vm.stop();
    }
  }, 900_000);
});
