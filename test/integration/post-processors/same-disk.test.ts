import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PostProcessor } from '../../../src/core/plugin.js';
import { openAppliance } from '../../../src/formats/appliance.js';
import { parseOvf } from '../../../src/formats/ovf.js';
import { rawDiskContent } from '../../../src/formats/raw-disk.js';
import { virtualBoxExportPostProcessor } from '../../../src/post-processors/virtualbox-export/index.js';
import { vmwareExportPostProcessor } from '../../../src/post-processors/vmware-export/index.js';
import { preparePostProcessor, runContext, smallDisk } from '../../support/plugin-context.js';
import { machineFromVmx, parseVmx } from '../../../src/formats/vmx.js';
import { debianBaseImage } from '../../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { qemuFromBase } from '../../support/qemu-template.js';
import { vagrant } from '../../support/vagrant.js';
import { bootDisk, loginVagrant } from '../../support/vm.js';

let base: string;
beforeAll(async () => {
  base = await debianBaseImage();
}, 900_000);

/** The SHA-256 of a disk's raw bytes, computed the long way: qemu-img writes the raw file, sha256 reads all of it. */
async function rawSha256(disk: string, dir: string): Promise<string> {
  const raw = path.join(dir, `check-${path.basename(disk)}.raw`);
  execFileSync('qemu-img', ['convert', '-O', 'raw', disk, raw]);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(raw)) hash.update(chunk as Buffer);
  execFileSync('rm', ['-f', raw]);
  return hash.digest('hex');
}

describe('one disk, every platform: virtualbox-export and vmware-export (real QEMU, TCG here)', () => {
  it('turns one qemu build into libvirt, VirtualBox and VMware boxes holding the same bytes; each export boots on its hardware', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [qemuFromBase(base, { name: 'app', output_directory: 'out', vm_name: 'app.qcow2' })],
      provisioners: [{ type: 'shell', inline: ['echo "built once" | sudo tee /etc/provisioned', 'sync'] }],
      'post-processors': [
        [
          { type: 'vagrant', output: 'boxes/app-{{.Provider}}.box', compression_level: 1 },
          { type: 'manifest', output: 'manifest.json' },
        ],
        [
          { type: 'virtualbox-export', vm_name: 'app', guest_os_type: 'Debian_64', memory: 1024, cpus: 2 },
          // Packer's rule: a post-processor's input is deleted unless kept; the test looks at the exports.
          { type: 'vagrant', output: 'boxes/app-{{.Provider}}.box', compression_level: 1, keep_input_artifact: true },
          { type: 'manifest', output: 'manifest.json' },
        ],
        [
          {
            type: 'vmware-export',
            vm_name: 'app',
            guest_os_type: 'debian11-64',
            disk_adapter_type: 'pvscsi',
            network_adapter_type: 'vmxnet3',
            version: '14',
          },
          { type: 'vagrant', output: 'boxes/app-{{.Provider}}.box', compression_level: 1, keep_input_artifact: true },
          { type: 'manifest', output: 'manifest.json' },
        ],
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('Running post-processor: virtualbox-export');
    expect(run.all).toContain('Running post-processor: vmware-export');

    const disk = path.join(dir, 'out', 'app.qcow2');
    const vbox = path.join(dir, 'output-app-virtualbox');
    const vmware = path.join(dir, 'output-app-vmware');
    expect(readdirSync(vbox).sort()).toEqual(['app-disk001.vmdk', 'app.mf', 'app.ovf']);
    expect(readdirSync(vmware).sort()).toEqual([
      'app.nvram',
      'app.vmsd',
      'app.vmx',
      'app.vmxf',
      'disk-s001.vmdk',
      'disk-s002.vmdk',
      'disk.vmdk',
    ]);
    const ovf = parseOvf(readFileSync(path.join(vbox, 'app.ovf'), 'utf8'));
    expect(ovf).toMatchObject({
      name: 'app',
      osType: 'Debian_64',
      cpus: 2,
      memoryMb: 1024,
      controller: 'sata',
      nic: 'E1000',
    });
    const vmx = machineFromVmx(parseVmx(readFileSync(path.join(vmware, 'app.vmx'), 'utf8')));
    expect(vmx).toMatchObject({
      guestOs: 'debian11-64',
      adapter: 'pvscsi',
      nic: 'vmxnet3',
      hardwareVersion: 14,
      firmware: 'bios',
    });

    // The same bytes everywhere: qemu-img reads both sides, and the manifest says so with one digest.
    const vboxDisk = path.join(vbox, 'app-disk001.vmdk');
    const vmwareDisk = path.join(vmware, 'disk.vmdk');
    for (const exported of [vboxDisk, vmwareDisk]) execFileSync('qemu-img', ['compare', '-q', disk, exported]);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      builds: { artifact_id: string; disk?: { sha256: string; bytes: number } }[];
    };
    expect(manifest.builds.map((b) => b.artifact_id).sort()).toEqual(['libvirt', 'virtualbox', 'vmware_desktop']);
    const expected = await rawSha256(disk, dir);
    for (const b of manifest.builds) expect(b.disk, b.artifact_id).toEqual({ sha256: expected, bytes: 3 * 1024 ** 3 });

    // Vagrant takes every box.
    for (const provider of ['libvirt', 'virtualbox', 'vmware_desktop']) {
      const box = path.join(dir, 'boxes', `app-${provider}.box`);
      expect(existsSync(box), provider).toBe(true);
      const { home } = await vagrant(['box', 'add', '--name', `boxwright/app-${provider}`, box]);
      expect((await vagrant(['box', 'list'], home)).stdout).toContain(`(${provider}, 0)`);
    }

    // Each export boots on the hardware its platform presents, with the provisioning in it. One at a
    // time: two TCG guests beside the other test files' guests starve each other's SSH handshakes.
    const platforms = [
      { disk: vboxDisk, controller: ['ahci,id=ahci0'], drive: 'ide-hd,drive=d0,bus=ahci0.0', nic: 'e1000' },
      { disk: vmwareDisk, controller: ['pvscsi,id=scsi0'], drive: 'scsi-hd,drive=d0,bus=scsi0.0', nic: 'vmxnet3' },
    ];
    for (const p of platforms) {
      const vm = await bootDisk(p.disk, [
        '-device',
        ...p.controller,
        '-drive',
        'file=IMAGE,format=vmdk,if=none,id=d0,snapshot=on',
        '-device',
        p.drive,
        '-device',
        `${p.nic},netdev=n0`,
      ]);
      try {
        const { comm, run: sh } = await loginVagrant(vm);
        const seen = await sh('cat /etc/provisioned; sed -n s/DRIVER=//p /sys/class/net/eth0/device/uevent');
        expect(seen.out, p.nic).toEqual(['built once', p.nic]);
        await comm.close();
      } finally {
        await vm.stop();
      }
    }
  }, 900_000);
});

describe('the export post-processors on a small disk', () => {
  const signal = new AbortController().signal;
  const context = (dir: string) => runContext(dir, { signal }).ctx;
  const prepare = <C>(pp: PostProcessor<C>, options: Record<string, unknown>, dir: string): C =>
    preparePostProcessor(pp, options, dir).config;

  it('carries the UEFI firmware and the disk bytes from qemu to VMware to VirtualBox, and measures the disk once', async () => {
    const dir = tempDir();
    const { artifact, sha256 } = smallDisk(dir);
    const ctx = context(dir);
    const vm = await vmwareExportPostProcessor.process(
      prepare(vmwareExportPostProcessor, { disk_type_id: 0 }, dir),
      artifact,
      ctx,
    );
    expect(vm.keepInput).toBe(true);
    expect(vm.artifact.content).toEqual({ sha256, bytes: 64 * 1024 ** 2 });
    expect(artifact.content).toEqual(vm.artifact.content);
    const out = path.join(dir, 'output-small-vmware');
    expect(readdirSync(out).sort()).toEqual([
      'disk.vmdk',
      'packer-small.nvram',
      'packer-small.vmsd',
      'packer-small.vmx',
      'packer-small.vmxf',
    ]);
    expect(readFileSync(path.join(out, 'packer-small.vmx'), 'utf8')).toMatch(/^firmware = "efi"$/m);
    expect(readFileSync(path.join(out, 'packer-small.vmx'), 'utf8')).toMatch(/^guestos = "other-64"$/m);

    const box = await virtualBoxExportPostProcessor.process(
      prepare(virtualBoxExportPostProcessor, { format: 'ova', output_directory: 'vbox' }, dir),
      vm.artifact,
      ctx,
    );
    expect(box.artifact.files).toEqual([path.join(dir, 'vbox', 'packer-small.ova')]);
    expect(box.artifact.content).toEqual({ sha256, bytes: 64 * 1024 ** 2 });
    const appliance = await openAppliance(box.artifact.files[0]!, signal);
    expect(appliance.machine).toMatchObject({ osType: 'Other_64', controller: 'sata', nic: 'E1000', firmware: 'efi' });
    execFileSync('qemu-img', [
      'compare',
      '-q',
      artifact.files[0]!,
      path.join(appliance.dir, appliance.machine.disks[0]!.file),
    ]);
    if (appliance.unpacked) execFileSync('rm', ['-rf', appliance.unpacked]);
  });

  it('measures a compressed qcow2 and a raw file alike, and leaves no scratch file behind', async () => {
    const dir = tempDir();
    const { artifact, sha256 } = smallDisk(dir);
    const compressed = path.join(dir, 'packed.qcow2');
    execFileSync('qemu-img', ['convert', '-c', '-O', 'qcow2', artifact.files[0]!, compressed]);
    const before = readdirSync(dir).sort();
    expect(await rawDiskContent(compressed, compressed, signal)).toEqual({ sha256, bytes: 64 * 1024 ** 2 });
    expect(await rawDiskContent(path.join(dir, 'small.raw'), compressed, signal)).toEqual({
      sha256,
      bytes: 64 * 1024 ** 2,
    });
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('refuses an output directory that already holds files and leaves it as it was, replaces it with -force; a failed export leaves no directory', async () => {
    const dir = tempDir();
    const { artifact } = smallDisk(dir);
    const ctx = context(dir);
    execFileSync('mkdir', ['-p', path.join(dir, 'taken')]);
    execFileSync('touch', [path.join(dir, 'taken', 'old.vmx')]);
    await expect(
      vmwareExportPostProcessor.process(
        prepare(vmwareExportPostProcessor, { output_directory: 'taken' }, dir),
        artifact,
        ctx,
      ),
    ).rejects.toThrow(/taken already exists and is not empty/);
    expect(readdirSync(path.join(dir, 'taken'))).toEqual(['old.vmx']);

    // -force replaces the older export, as a builder's output directory is replaced.
    const forced = await vmwareExportPostProcessor.process(
      prepare(vmwareExportPostProcessor, { output_directory: 'taken', vm_name: 'fresh' }, dir),
      artifact,
      { ...ctx, force: true },
    );
    expect(readdirSync(path.join(dir, 'taken'))).not.toContain('old.vmx');
    expect(readdirSync(path.join(dir, 'taken'))).toContain('fresh.vmx');
    await forced.artifact.destroy();

    execFileSync('rm', [artifact.files[0]!]);
    await expect(
      virtualBoxExportPostProcessor.process(prepare(virtualBoxExportPostProcessor, {}, dir), artifact, ctx),
    ).rejects.toThrow(/small\.qcow2/);
    expect(existsSync(path.join(dir, 'output-small-virtualbox'))).toBe(false);
  });
});
