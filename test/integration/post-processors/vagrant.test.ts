import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportAppliance } from '../../../src/machines/export-appliance.js';
import type { Artifact, DiskImageArtifact } from '../../../src/core/artifact.js';
import { parseOvf } from '../../../src/formats/ovf.js';
import { vagrantPostProcessor } from '../../../src/post-processors/vagrant/index.js';
import { tempDir } from '../../support/cli.js';
import { renderFields, runContext } from '../../support/plugin-context.js';
import { vagrant } from '../../support/vagrant.js';

function qemuDisk(dir: string, format: 'qcow2' | 'raw', accelerator = 'tcg'): DiskImageArtifact {
  const file = path.join(dir, `disk.${format}`);
  execFileSync('qemu-img', ['create', '-q', '-f', format, file, '2560M']);
  return {
    builderId: 'boxwright.qemu',
    kind: 'qemu-disk',
    id: 'disk',
    files: [file],
    description: '',
    destroy: async () => {},
    disk: { format, accelerator, firmware: { kind: 'bios' } },
  };
}

const contextOptions = { buildName: 'debian', startedAt: new Date(Date.UTC(2024, 0, 1)), render: renderFields };
const context = (dir: string) => runContext(dir, contextOptions).ctx;

const config = (dir: string, extra: Record<string, unknown> = {}) => ({
  boxName: 'boxwright/debian',
  boxVersion: undefined,
  boxDescription: undefined,
  catalog: false,
  output: path.join(dir, 'boxes/packer_{{.BuildName}}_{{.Provider}}.box'),
  compressionLevel: 6,
  include: [],
  vagrantfileTemplate: undefined,
  providerOverride: undefined,
  architecture: undefined,
  override: {},
  ...extra,
});

describe('vagrant post-processor, libvirt provider', () => {
  it('packs a qcow2 disk into a box that the real `vagrant box add` accepts', async () => {
    const dir = tempDir();
    const { ctx, ui } = runContext(dir, contextOptions);
    const result = await vagrantPostProcessor.process(config(dir), qemuDisk(dir, 'qcow2'), ctx);
    const box = path.join(dir, 'boxes/packer_debian_libvirt.box');
    // compression_level 6 is Packer's default; libdeflate reaches Packer's size at its level 3.
    expect(ui.lines.join('\n')).toMatch(
      /^say: Creating a Vagrant box for the libvirt provider: .*packer_debian_libvirt\.box \(gzip: libdeflate \d+\.\d+ at level 3\)$/m,
    );
    expect(result.artifact).toMatchObject({ kind: 'vagrant-box', id: 'libvirt', files: [box] });
    expect(result.keepInput).toBe(false);
    const listing = execFileSync('tar', ['-tzf', box], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(['Vagrantfile', 'box.img', 'metadata.json']);
    expect(JSON.parse(execFileSync('tar', ['-xzOf', box, 'metadata.json'], { encoding: 'utf8' }))).toEqual({
      provider: 'libvirt',
      format: 'qcow2',
      virtual_size: 3,
    });
    expect(execFileSync('tar', ['-xzOf', box, 'Vagrantfile'], { encoding: 'utf8' })).toContain(
      'libvirt.driver = "qemu"',
    );

    const { home } = await vagrant(['box', 'add', '--name', 'boxwright/debian', box]);
    const { stdout } = await vagrant(['box', 'list'], home);
    expect(stdout).toMatch(/^boxwright\/debian\s+\(libvirt, 0\)/m);
  }, 120_000);

  it('a disk built under UEFI gets a Vagrantfile that boots it with the same OVMF, and its efivars.fd stays out of the box', async () => {
    const dir = tempDir();
    const disk = qemuDisk(dir, 'qcow2');
    writeFileSync(path.join(dir, 'efivars.fd'), Buffer.alloc(4096));
    const artifact: DiskImageArtifact = {
      ...disk,
      files: [...disk.files, path.join(dir, 'efivars.fd')],
      disk: { ...disk.disk, firmware: { kind: 'efi', code: '/usr/share/OVMF/OVMF_CODE.fd' } },
    };
    const result = await vagrantPostProcessor.process(config(dir), artifact, context(dir));
    const box = result.artifact.files[0]!;
    expect(execFileSync('tar', ['-tzf', box], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'Vagrantfile',
      'box.img',
      'metadata.json',
    ]);
    expect(execFileSync('tar', ['-xzOf', box, 'Vagrantfile'], { encoding: 'utf8' })).toContain(
      '    libvirt.loader = "/usr/share/OVMF/OVMF_CODE.fd"\n',
    );
  }, 120_000);

  it('refuses a raw disk with a clear fix', async () => {
    const dir = tempDir();
    await expect(vagrantPostProcessor.process(config(dir), qemuDisk(dir, 'raw'), context(dir))).rejects.toThrow(
      'a libvirt box needs a qcow2 disk, but disk.raw is raw; set "format": "qcow2" in the qemu builder',
    );
  });

  it('adds include files and a Vagrantfile template, and writes the architecture', async () => {
    const dir = tempDir();
    const readme = path.join(dir, 'README.box');
    const template = path.join(dir, 'Vagrantfile.tpl');
    execFileSync('sh', ['-c', `echo hello > ${readme}; echo '# custom' > ${template}`]);
    await vagrantPostProcessor.process(
      config(dir, { include: [readme], vagrantfileTemplate: template, architecture: 'amd64' }),
      qemuDisk(dir, 'qcow2', 'kvm'),
      context(dir),
    );
    const box = path.join(dir, 'boxes/packer_debian_libvirt.box');
    expect(execFileSync('tar', ['-tzf', box], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'README.box',
      'Vagrantfile',
      'box.img',
      'metadata.json',
    ]);
    expect(execFileSync('tar', ['-xzOf', box, 'Vagrantfile'], { encoding: 'utf8' })).toBe('# custom\n');
    expect(JSON.parse(execFileSync('tar', ['-xzOf', box, 'metadata.json'], { encoding: 'utf8' })).architecture).toBe(
      'amd64',
    );
  });

  it('makes byte-identical boxes from the same disk (SOURCE_DATE_EPOCH or the build start)', async () => {
    const dir = tempDir();
    const disk = qemuDisk(dir, 'qcow2');
    await vagrantPostProcessor.process(config(dir, { output: path.join(dir, 'a.box') }), disk, context(dir));
    await vagrantPostProcessor.process(config(dir, { output: path.join(dir, 'b.box') }), disk, context(dir));
    expect(readFileSync(path.join(dir, 'a.box')).equals(readFileSync(path.join(dir, 'b.box')))).toBe(true);
  });
});

describe('the local box catalog', () => {
  it('records each version; `vagrant box add CATALOG.json` takes the newest and checks its sha256', async () => {
    const dir = tempDir();
    const disk = qemuDisk(dir, 'qcow2');
    for (const version of ['1.0.0', '1.10.0', '1.2.0']) {
      await vagrantPostProcessor.process(
        config(dir, {
          catalog: true,
          boxVersion: version,
          boxDescription: 'Debian 12 as in production',
          output: path.join(dir, `boxes/debian-${version}.box`),
        }),
        disk,
        context(dir),
      );
    }
    const catalogFile = path.join(dir, 'boxes/boxwright-debian.json');
    const catalog = JSON.parse(readFileSync(catalogFile, 'utf8'));
    expect(catalog.name).toBe('boxwright/debian');
    expect(catalog.description).toBe('Debian 12 as in production');
    expect(catalog.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.2.0', '1.10.0']);
    expect(catalog.versions[2].providers).toEqual([
      {
        name: 'libvirt',
        url: `file://${path.join(dir, 'boxes/debian-1.10.0.box')}`,
        checksum_type: 'sha256',
        checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);

    const { home } = await vagrant(['box', 'add', catalogFile]);
    expect((await vagrant(['box', 'list'], home)).stdout).toMatch(/^boxwright\/debian\s+\(libvirt, 1\.10\.0\)/m);
  }, 120_000);

  it('a box whose checksum does not match the catalog is refused by Vagrant', async () => {
    const dir = tempDir();
    await vagrantPostProcessor.process(
      config(dir, { catalog: true, boxVersion: '2.0.0', output: path.join(dir, 'boxes/debian.box') }),
      qemuDisk(dir, 'qcow2'),
      context(dir),
    );
    const catalogFile = path.join(dir, 'boxes/boxwright-debian.json');
    const catalog = JSON.parse(readFileSync(catalogFile, 'utf8'));
    catalog.versions[0].providers[0].checksum = '0'.repeat(64);
    writeFileSync(catalogFile, JSON.stringify(catalog));
    await expect(vagrant(['box', 'add', catalogFile])).rejects.toThrow(/checksum of the downloaded box did not match/i);
  }, 120_000);
});

describe('vagrant post-processor, virtualbox provider', () => {
  async function appliance(dir: string, format: 'ovf' | 'ova'): Promise<Artifact> {
    const disk = path.join(dir, 'guest.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
    const out = path.join(dir, 'output');
    execFileSync('mkdir', ['-p', out]);
    const { files } = await exportAppliance(
      disk,
      out,
      {
        vmName: 'devbox',
        osType: 'Debian_64',
        cpus: 2,
        memoryMb: 1024,
        controller: 'sata',
        nic: 'E1000',
        format,
        firmware: 'bios',
      },
      new AbortController().signal,
    );
    return {
      builderId: 'mitchellh.virtualbox',
      kind: 'virtualbox-ovf',
      id: 'devbox',
      files,
      description: '',
      destroy: async () => {},
      appliance: { format, driver: 'qemu' },
    };
  }

  it('packs an OVF export as box.ovf + its VMDK, and the real `vagrant box add` accepts it', async () => {
    const dir = tempDir();
    const result = await vagrantPostProcessor.process(config(dir), await appliance(dir, 'ovf'), context(dir));
    const box = path.join(dir, 'boxes/packer_debian_virtualbox.box');
    expect(result.artifact).toMatchObject({ kind: 'vagrant-box', id: 'virtualbox', files: [box] });
    expect(execFileSync('tar', ['-tzf', box], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'Vagrantfile',
      'box.ovf',
      'devbox-disk001.vmdk',
      'metadata.json',
    ]);
    expect(JSON.parse(execFileSync('tar', ['-xzOf', box, 'metadata.json'], { encoding: 'utf8' }))).toEqual({
      provider: 'virtualbox',
    });
    // box.ovf still names the VMDK it travels with, so VirtualBox imports the box as is.
    expect(parseOvf(execFileSync('tar', ['-xzOf', box, 'box.ovf'], { encoding: 'utf8' })).disks[0]!.file).toBe(
      'devbox-disk001.vmdk',
    );

    const { home } = await vagrant(['box', 'add', '--name', 'boxwright/devbox', box]);
    expect((await vagrant(['box', 'list'], home)).stdout).toMatch(/^boxwright\/devbox\s+\(virtualbox, 0\)/m);
  }, 120_000);

  it("unpacks an OVA into the box and sets base_mac when the OVF carries VirtualBox's MAC", async () => {
    const dir = tempDir();
    const input = await appliance(dir, 'ovf');
    const ovf = input.files.find((f) => f.endsWith('.ovf'))!;
    // VirtualBox's own exports add a vbox:Machine section with the adapter's MAC.
    writeFileSync(
      ovf,
      readFileSync(ovf, 'utf8').replace(
        '  </VirtualSystem>',
        '    <vbox:Machine ovf:required="false" version="1.19-linux" uuid="{3f0d5a8e-6c1b-4d8e-9a7f-2b5c8e1d4f60}" name="devbox"><Hardware><Network><Adapter slot="0" enabled="true" MACAddress="080027C4A1B2" type="82540EM"><NAT/></Adapter></Network></Hardware></vbox:Machine>\n  </VirtualSystem>',
      ),
    );
    rmSync(ovf.replace(/\.ovf$/, '.mf'));
    const withMac = await vagrantPostProcessor.process(
      config(dir, { output: path.join(dir, 'mac.box') }),
      { ...input, files: input.files.filter((f) => !f.endsWith('.mf')) },
      context(dir),
    );
    expect(execFileSync('tar', ['-xzOf', withMac.artifact.files[0]!, 'Vagrantfile'], { encoding: 'utf8' })).toContain(
      'config.vm.base_mac = "080027C4A1B2"',
    );

    const ova = await appliance(tempDir(), 'ova');
    const fromOva = await vagrantPostProcessor.process(
      config(dir, { output: path.join(dir, 'ova.box') }),
      ova,
      context(dir),
    );
    expect(execFileSync('tar', ['-tzf', fromOva.artifact.files[0]!], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'Vagrantfile',
      'box.ovf',
      'devbox-disk001.vmdk',
      'metadata.json',
    ]);
    expect(
      execFileSync('tar', ['-xzOf', fromOva.artifact.files[0]!, 'Vagrantfile'], { encoding: 'utf8' }),
    ).not.toContain('base_mac');
  }, 120_000);
});

describe('vagrant post-processor, vmware_desktop and aws providers', () => {
  // No VMware or AWS builder exists yet; these artifacts are what those builders hand on (a VM folder, AMI ids).
  it('packs a VMX folder without its logs and locks into a vmware_desktop box that the real `vagrant box add` accepts', async () => {
    const vmDir = tempDir();
    const vmx = path.join(vmDir, 'devbox.vmx');
    writeFileSync(
      vmx,
      '.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "19"\nguestOS = "debian12-64"\nscsi0.present = "TRUE"\nscsi0.virtualDev = "pvscsi"\nscsi0:0.fileName = "disk.vmdk"\nethernet0.virtualDev = "vmxnet3"\n',
    );
    execFileSync('qemu-img', ['create', '-q', '-f', 'vmdk', path.join(vmDir, 'disk.vmdk'), '64M']);
    writeFileSync(path.join(vmDir, 'devbox.nvram'), Buffer.alloc(8192));
    writeFileSync(path.join(vmDir, 'devbox.vmsd'), '');
    writeFileSync(path.join(vmDir, 'vmware.log'), 'a log of one run');
    const files = ['devbox.vmx', 'disk.vmdk', 'devbox.nvram', 'devbox.vmsd', 'vmware.log'].map((f) =>
      path.join(vmDir, f),
    );
    const input: Artifact = {
      builderId: 'boxwright.vmware',
      kind: 'vmware-vmx',
      id: 'devbox',
      files,
      description: '',
      destroy: async () => {},
    };
    const dir = tempDir();
    const result = await vagrantPostProcessor.process(config(dir), input, context(dir));
    const box = path.join(dir, 'boxes/packer_debian_vmware_desktop.box');
    expect(result.artifact.files).toEqual([box]);
    expect(execFileSync('tar', ['-tzf', box], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'Vagrantfile',
      'devbox.nvram',
      'devbox.vmsd',
      'devbox.vmx',
      'disk.vmdk',
      'metadata.json',
    ]);
    expect(JSON.parse(execFileSync('tar', ['-xzOf', box, 'metadata.json'], { encoding: 'utf8' }))).toEqual({
      provider: 'vmware_desktop',
    });
    const { home } = await vagrant(['box', 'add', '--name', 'boxwright/vmware', box]);
    expect((await vagrant(['box', 'list'], home)).stdout).toMatch(/^boxwright\/vmware\s+\(vmware_desktop, 0\)/m);

    const noVmx = { ...input, files: files.filter((f) => !f.endsWith('.vmx')) };
    await expect(
      vagrantPostProcessor.process(config(dir, { output: path.join(dir, 'x.box') }), noVmx, context(dir)),
    ).rejects.toThrow('a vmware_desktop box needs a .vmx');
  }, 120_000);

  it('writes an aws box whose Vagrantfile maps each region to its AMI, keeps the AMIs, and `vagrant box add` accepts it', async () => {
    const input: Artifact = {
      builderId: 'boxwright.amazon-ebs',
      kind: 'amazon-ami',
      id: 'us-east-1:ami-0123456789abcdef0,eu-west-1:ami-0fedcba9876543210',
      files: [],
      description: '',
      destroy: async () => {},
      amis: [
        { region: 'us-east-1', id: 'ami-0123456789abcdef0' },
        { region: 'eu-west-1', id: 'ami-0fedcba9876543210' },
      ],
    };
    const dir = tempDir();
    const result = await vagrantPostProcessor.process(config(dir), input, context(dir));
    const box = path.join(dir, 'boxes/packer_debian_aws.box');
    // Deleting the AMIs would leave the box pointing at nothing, so the build keeps them whatever keep_input_artifact says.
    expect(result.forceKeep).toBe(true);
    expect(execFileSync('tar', ['-tzf', box], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'Vagrantfile',
      'metadata.json',
    ]);
    expect(execFileSync('tar', ['-xzOf', box, 'Vagrantfile'], { encoding: 'utf8' })).toBe(
      'Vagrant.configure("2") do |config|\n  config.vm.provider :aws do |aws|\n    aws.region_config "us-east-1", ami: "ami-0123456789abcdef0"\n    aws.region_config "eu-west-1", ami: "ami-0fedcba9876543210"\n  end\nend\n',
    );
    const { home } = await vagrant(['box', 'add', '--name', 'boxwright/aws', box]);
    expect((await vagrant(['box', 'list'], home)).stdout).toMatch(/^boxwright\/aws\s+\(aws, 0\)/m);
  }, 120_000);
});
