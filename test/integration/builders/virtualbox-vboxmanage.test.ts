import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { startSshd, TEST_PASSWORD, TEST_USER } from '../../support/sshd.js';

// VirtualBox cannot run on this machine, so these tests drive the builders against a
// stand-in VBoxManage (test/fixtures/vboxmanage/VBoxManage) that records its arguments
// and answers as VirtualBox 7.0 does. They check the commands boxwright issues.
const FAKE = path.resolve(__dirname, '../../fixtures/vboxmanage');
const savedPath = process.env.PATH;
let home: string;

beforeAll(() => {
  process.env.PATH = `${FAKE}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  delete process.env.FAKE_VBOX_HOME;
  delete process.env.FAKE_VBOX_FAIL;
});
beforeEach(() => {
  home = tempDir('boxwright-vbox-');
  process.env.FAKE_VBOX_HOME = home;
  delete process.env.FAKE_VBOX_FAIL;
  delete process.env.BOXWRIGHT_VBOXMANAGE;
});

const calls = (): string[][] =>
  existsSync(path.join(home, 'calls.jsonl'))
    ? readFileSync(path.join(home, 'calls.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string[])
    : [];
const commandLines = () =>
  calls()
    .filter((c) => c[0] !== '--version')
    .map((c) => c.join(' '));

function isoBuilder(dir: string, extra: Record<string, unknown> = {}) {
  writeFileSync(path.join(dir, 'installer.iso'), 'not really an ISO');
  return {
    type: 'virtualbox-iso',
    iso_url: 'installer.iso',
    iso_checksum: 'none',
    guest_os_type: 'Debian_64',
    disk_size: 2048,
    hard_drive_interface: 'sata',
    memory: 1024,
    cpus: 2,
    headless: true,
    boot_wait: '0s',
    communicator: 'none',
    vm_name: 'vm',
    guest_additions_mode: 'disable',
    ...extra,
  };
}

describe('virtualbox builders on the vboxmanage driver (stand-in VBoxManage)', () => {
  it("virtualbox-iso issues VirtualBox's command sequence, attaches a floppy, types boot_command as scancodes, exports with a manifest and deletes the VM", async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        isoBuilder(dir, {
          boot_command: ['<esc>a<enter>'],
          vboxmanage: [['modifyvm', '{{.Name}}', '--vram', '32']],
          vboxmanage_post: [['modifyvm', '{{ .Name }}', '--description', 'built']],
          gfx_controller: 'vmsvga',
          floppy_content: { 'ks.cfg': 'text' },
        }),
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.all).toContain('Driver: vboxmanage (VirtualBox 7.0.14 found)');
    expect(run.code).toBe(0);
    const out = path.join(dir, 'output-virtualbox-iso');
    const iso = path.join(dir, 'installer.iso');
    const floppy = /--type fdd --medium (\S+)/.exec(commandLines().join('\n'))?.[1];
    expect(floppy).toMatch(/boxwright-pid\d+-floppy-.*\/floppy\.img$/);
    expect(existsSync(floppy!)).toBe(false);
    expect(commandLines()).toEqual([
      'createvm --name vm --ostype Debian_64 --register',
      'modifyvm vm --boot1 disk --boot2 dvd --boot3 none --boot4 none --memory 1024 --cpus 2 --chipset piix3 --firmware bios --nic1 nat --nictype1 82540EM --graphicscontroller vmsvga',
      `createmedium disk --filename ${out}/vm.vdi --size 2048 --format VDI --variant Standard`,
      'storagectl vm --name SATA Controller --add sata --controller IntelAhci --portcount 1',
      'storagectl vm --name IDE Controller --add ide',
      `storageattach vm --storagectl SATA Controller --port 0 --device 0 --type hdd --medium ${out}/vm.vdi`,
      `storageattach vm --storagectl IDE Controller --port 0 --device 1 --type dvddrive --medium ${iso}`,
      'storagectl vm --name Floppy Controller --add floppy',
      `storageattach vm --storagectl Floppy Controller --port 0 --device 0 --type fdd --medium ${floppy}`,
      'modifyvm vm --vram 32',
      'startvm vm --type headless',
      // <esc> down/up, "a" down/up, <enter> down/up, in scancode set 1.
      'controlvm vm keyboardputscancode 01 81 1e 9e 1c 9c',
      'controlvm vm poweroff',
      'storageattach vm --storagectl IDE Controller --port 0 --device 1 --medium none',
      'storageattach vm --storagectl Floppy Controller --port 0 --device 0 --medium none',
      'modifyvm vm --description built',
      `export vm --output ${out}/vm.ovf --manifest`,
      'showvminfo vm --machinereadable',
      'unregistervm vm --delete',
    ]);
    expect(run.all).toMatch(/VM files in directory: output-virtualbox-iso \(vm-disk001\.vmdk, vm\.mf, vm\.ovf\)/);
  });

  it('virtualbox-ovf imports with import_opts/import_flags and forwards SSH; when SSH never comes, it powers off, deletes the VM and the output', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'base.ova'), 'an appliance');
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'virtualbox-ovf',
          source_path: 'base.ova',
          checksum: 'none',
          import_opts: 'keepallmacs',
          import_flags: ['--eula', 'accept'],
          vm_name: 'ovfvm',
          headless: true,
          boot_wait: '0s',
          guest_additions_mode: 'disable',
          ssh_username: 'vagrant',
          ssh_password: 'vagrant',
          ssh_timeout: '2s',
          ssh_host_port_min: 3222,
          ssh_host_port_max: 3232,
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('Timeout waiting for SSH');
    const lines = commandLines();
    expect(lines[0]).toBe(
      `import ${path.join(dir, 'base.ova')} --vsys 0 --vmname ovfvm --options keepallmacs --eula accept`,
    );
    expect(lines[1]).toMatch(/^modifyvm ovfvm --natpf1 packercomm,tcp,127\.0\.0\.1,(32[2-3]\d),,22$/);
    expect(lines.slice(2)).toEqual([
      'startvm ovfvm --type headless',
      'showvminfo ovfvm --machinereadable',
      'controlvm ovfvm poweroff',
      'unregistervm ovfvm --delete',
    ]);
    expect(run.all).toContain('Deregistering and deleting the virtual machine...');
    expect(existsSync(path.join(dir, 'output-virtualbox-ovf'))).toBe(false);
  });

  it("a failing VBoxManage command fails the build with VirtualBox's own error, and cleanup still deletes the VM", async () => {
    process.env.FAKE_VBOX_FAIL = 'startvm';
    const dir = tempDir();
    const t = writeTemplate(dir, { builders: [isoBuilder(dir)] });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain(
      "VBoxManage startvm vm --type headless failed: The virtual machine 'vm' has terminated unexpectedly during startup with exit code 1 (0x1)",
    );
    expect(run.all).not.toMatch(/\n\s+at /);
    expect(commandLines().slice(-2)).toEqual(['startvm vm --type headless', 'unregistervm vm --delete']);
    expect(existsSync(path.join(dir, 'output-virtualbox-iso'))).toBe(false);
  });

  it('a vboxmanage command naming a host-only interface VirtualBox lacks is refused with the ones it has', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        isoBuilder(dir, {
          vboxmanage: [['modifyvm', '{{.Name}}', '--nic2', 'hostonly', '--hostonlyadapter2', 'vboxnet9']],
        }),
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('vboxmanage: the host-only interface "vboxnet9" does not exist');
    expect(run.all).toContain('VirtualBox has vboxnet0, vboxnet1');
    expect(commandLines()).toContain('list hostonlyifs');
    expect(commandLines()).not.toContain('startvm vm --type headless');
    expect(commandLines().at(-1)).toBe('unregistervm vm --delete');
  });

  it('keep_registered keeps the VM after a good build; format ova exports one file', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        isoBuilder(dir, {
          keep_registered: true,
          format: 'ova',
          export_opts: ['--vsys', '0', '--product', '{{.Name}} box'],
        }),
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(0);
    expect(commandLines()).toContain(
      `export vm --output ${path.join(dir, 'output-virtualbox-iso', 'vm.ova')} --manifest --vsys 0 --product vm box`,
    );
    expect(commandLines()).not.toContain('unregistervm vm --delete');
    expect(run.all).toContain('Keeping the virtual machine vm registered (keep_registered).');
  });

  it('"driver": "qemu" is used even where VirtualBox is installed; "driver": "vboxmanage" without VirtualBox says how to fix it', async () => {
    const dir = tempDir();
    const pinned = await runCli(
      ['build', writeTemplate(dir, { builders: [isoBuilder(dir, { driver: 'qemu', iso_url: 'missing.iso' })] })],
      { cwd: dir },
    );
    expect(pinned.all).toContain('Driver: qemu (pinned by "driver")');
    expect(pinned.all).toContain('missing.iso does not exist');
    expect(commandLines()).toEqual([]);

    process.env.BOXWRIGHT_VBOXMANAGE = path.join(dir, 'no-such-VBoxManage');
    const absent = await runCli(
      ['build', writeTemplate(dir, { builders: [isoBuilder(dir, { driver: 'vboxmanage' })] }, 'absent.json')],
      { cwd: dir },
    );
    expect(absent.code).toBe(1);
    expect(absent.all).toContain('"driver": "vboxmanage" needs VirtualBox');
    expect(absent.all).toContain('use "driver": "qemu"');
  });

  it('a guest still running at shutdown_timeout fails the build, as under the qemu driver, and cleanup powers it off and deletes it', async () => {
    // The stand-in's machine never powers off by itself; the shutdown command runs over a real sshd.
    const sshd = await startSshd();
    try {
      const dir = tempDir();
      const t = writeTemplate(dir, {
        builders: [
          isoBuilder(dir, {
            communicator: 'ssh',
            skip_nat_mapping: true,
            ssh_host: '127.0.0.1',
            ssh_port: sshd.port,
            ssh_username: TEST_USER,
            ssh_password: TEST_PASSWORD,
            shutdown_command: 'echo going down',
            shutdown_timeout: '2s',
          }),
        ],
      });
      const run = await runCli(['build', t], { cwd: dir });
      expect(run.code).toBe(1);
      expect(run.all).toContain(
        'the guest did not power off within shutdown_timeout (2 seconds); the shutdown command printed: going down',
      );
      expect(run.all).toContain('raise shutdown_timeout');
      expect(commandLines().slice(-3)).toEqual([
        'showvminfo vm --machinereadable',
        'controlvm vm poweroff',
        'unregistervm vm --delete',
      ]);
      expect(commandLines()).not.toContain(
        `export vm --output ${path.join(dir, 'output-virtualbox-iso', 'vm.ovf')} --manifest`,
      );
      expect(existsSync(path.join(dir, 'output-virtualbox-iso'))).toBe(false);
    } finally {
      await sshd.dispose();
    }
  });
});
