import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseVmx } from '../../../src/formats/vmx.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { startCli } from '../../support/process.js';
import { startSshd, TEST_PASSWORD, TEST_USER } from '../../support/sshd.js';

// VMware cannot run on this machine, so these tests drive the builders against stand-in
// vmrun and vmware-vdiskmanager (test/fixtures/vmware/) that record their arguments and
// answer as VMware Workstation 17 does; a started machine gets a recording VNC console.
const FAKE = path.resolve(__dirname, '../../fixtures/vmware');
const savedPath = process.env.PATH;
let home: string;

beforeAll(() => {
  process.env.PATH = `${FAKE}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  delete process.env.FAKE_VMWARE_HOME;
  delete process.env.FAKE_VMWARE_FAIL;
});
beforeEach(() => {
  home = tempDir('boxwright-vmware-');
  process.env.FAKE_VMWARE_HOME = home;
  delete process.env.FAKE_VMWARE_FAIL;
});

const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
/** The commands issued, without the `vmrun list` polls. */
const commands = () =>
  (lines(path.join(home, 'calls.jsonl')) as string[][]).map((c) => c.join(' ')).filter((c) => c !== 'vmrun -T ws list');

function isoBuilder(dir: string, extra: Record<string, unknown> = {}) {
  writeFileSync(path.join(dir, 'installer.iso'), 'not really an ISO');
  return {
    type: 'vmware-iso',
    iso_url: 'installer.iso',
    iso_checksum: 'none',
    guest_os_type: 'debian11-64',
    disk_size: 2048,
    memory: 1024,
    cpus: 2,
    headless: true,
    boot_wait: '0s',
    communicator: 'none',
    vm_name: 'vm',
    ...extra,
  };
}

describe('vmware builders on the vmrun driver (stand-in vmrun)', () => {
  it('vmware-iso creates the disk, writes the VMX, types boot_command into the VNC console, halts, detaches the build media and compacts', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        isoBuilder(dir, {
          boot_command: ['<esc>a<enter>'],
          vmx_data: { 'ethernet0.pcislotnumber': '33' },
          vmx_data_post: { annotation: 'done' },
          disk_adapter_type: 'pvscsi',
          network_adapter_type: 'vmxnet3',
          floppy_content: { 'ks.cfg': 'text' },
        }),
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('Driver: vmrun (VMware (vmrun) found)');
    const out = path.join(dir, 'output-vmware-iso');
    const vmx = path.join(out, 'vm.vmx');
    expect(commands()).toEqual([
      `vmware-vdiskmanager -c -s 2048MB -a lsilogic -t 1 ${out}/disk.vmdk`,
      `vmrun -T ws start ${vmx} nogui`,
      `vmrun -T ws stop ${vmx} hard`,
      `vmware-vdiskmanager -d ${out}/disk.vmdk`,
      `vmware-vdiskmanager -k ${out}/disk.vmdk`,
    ]);
    // <esc>, "a" and <enter>, each pressed and released, as X11 keysyms.
    expect(lines(path.join(home, 'keys.jsonl'))).toEqual([
      { down: true, keysym: 0xff1b },
      { down: false, keysym: 0xff1b },
      { down: true, keysym: 0x61 },
      { down: false, keysym: 0x61 },
      { down: true, keysym: 0xff0d },
      { down: false, keysym: 0xff0d },
    ]);
    const values = parseVmx(readFileSync(vmx, 'utf8'));
    expect(
      Object.fromEntries(
        [...values].filter(([k]) =>
          /^(guestos|memsize|numvcpus|scsi0\.|scsi0:0\.|ethernet0\.virtualdev|annotation|floppy0\.present)/.test(k),
        ),
      ),
    ).toEqual({
      guestos: 'debian11-64',
      memsize: '1024',
      numvcpus: '2',
      'scsi0.present': 'TRUE',
      'scsi0.virtualdev': 'pvscsi',
      'scsi0:0.present': 'TRUE',
      'scsi0:0.filename': 'disk.vmdk',
      'ethernet0.virtualdev': 'vmxnet3',
      annotation: 'done',
      'floppy0.present': 'FALSE',
    });
    expect(values.get('ethernet0.pcislotnumber')).toBe('33');
    // The installer CD and the VNC console were for the build only.
    expect([...values.keys()].filter((k) => k.startsWith('ide1:') || k.startsWith('remotedisplay.'))).toEqual([]);
    expect(run.all).toMatch(/VM files in directory: output-vmware-iso/);
  });

  it('vmware-vmx clones (linked, from a snapshot), reaches the guest at the address vmrun reports, provisions over SSH and halts', async () => {
    const sshd = await startSshd();
    try {
      const dir = tempDir();
      const source = path.join(dir, 'src', 'base.vmx');
      mkdirSync(path.dirname(source), { recursive: true });
      writeFileSync(
        source,
        'displayname = "base"\nguestos = "debian11-64"\nmemsize = "512"\nnumvcpus = "1"\nscsi0.present = "TRUE"\nscsi0:0.present = "TRUE"\nscsi0:0.filename = "base.vmdk"\n',
      );
      const t = writeTemplate(dir, {
        builders: [
          {
            type: 'vmware-vmx',
            source_path: source,
            linked: true,
            snapshot_name: 'clean',
            vm_name: 'clone',
            headless: true,
            boot_wait: '0s',
            ssh_username: TEST_USER,
            ssh_password: TEST_PASSWORD,
            ssh_port: sshd.port,
            ssh_timeout: '20s',
          },
        ],
        provisioners: [{ type: 'shell', inline: ['echo provisioned-over-ssh'] }],
      });
      const run = await runCli(['build', t], { cwd: dir });
      expect(run.code, run.all).toBe(0);
      expect(run.all).toContain('provisioned-over-ssh');
      const vmx = path.join(dir, 'output-vmware-vmx', 'clone.vmx');
      expect(commands()).toEqual([
        `vmrun -T ws clone ${source} ${vmx} linked -snapshot=clean -cloneName=clone`,
        `vmrun -T ws start ${vmx} nogui`,
        `vmrun -T ws getGuestIPAddress ${vmx} -wait`,
        `vmrun -T ws stop ${vmx} hard`,
        `vmware-vdiskmanager -d ${path.join(dir, 'output-vmware-vmx', 'clone-cl1.vmdk')}`,
        `vmware-vdiskmanager -k ${path.join(dir, 'output-vmware-vmx', 'clone-cl1.vmdk')}`,
      ]);
      expect(parseVmx(readFileSync(vmx, 'utf8')).get('displayname')).toBe('clone');
    } finally {
      await sshd.dispose();
    }
  });

  it('a failing vmrun fails the build with its own words and leaves no output and no running machine', async () => {
    process.env.FAKE_VMWARE_FAIL = 'start';
    const dir = tempDir();
    const run = await runCli(['build', writeTemplate(dir, { builders: [isoBuilder(dir)] })], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('Error: The operation was canceled (start failed in the stand-in)');
    expect(run.all).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'output-vmware-iso'))).toBe(false);
  });

  it('Ctrl-C while the guest boots stops the machine and removes the output', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, { builders: [isoBuilder(dir, { boot_wait: '60s' })] });
    const cli = startCli(['build', '-color=false', t], dir, { PATH: process.env.PATH, FAKE_VMWARE_HOME: home });
    const until = Date.now() + 30_000;
    const started = () =>
      existsSync(path.join(home, 'running.json')) &&
      readFileSync(path.join(home, 'running.json'), 'utf8').includes('vm.vmx');
    while (!started()) {
      if (Date.now() > until) throw new Error('the build did not start the machine');
      await new Promise((r) => setTimeout(r, 100));
    }
    cli.signal('SIGINT');
    const { code, output } = await cli.exit;
    expect(code, output).toBe(1);
    expect(commands().at(-1)).toBe(`vmrun -T ws stop ${path.join(dir, 'output-vmware-iso', 'vm.vmx')} hard`);
    expect(existsSync(path.join(dir, 'output-vmware-iso'))).toBe(false);
    expect(readFileSync(path.join(home, 'running.json'), 'utf8')).toBe('{}');
  });

  it('Ctrl-C while vmrun is still starting the machine stops the machine it started', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, { builders: [isoBuilder(dir)] });
    const cli = startCli(['build', '-color=false', t], dir, {
      PATH: process.env.PATH,
      FAKE_VMWARE_HOME: home,
      FAKE_VMWARE_SLOW_START: '1',
    });
    const until = Date.now() + 30_000;
    while (!(
      existsSync(path.join(home, 'running.json')) &&
      readFileSync(path.join(home, 'running.json'), 'utf8').includes('vm.vmx')
    )) {
      if (Date.now() > until) throw new Error('the build did not start the machine');
      await new Promise((r) => setTimeout(r, 100));
    }
    cli.signal('SIGINT');
    const { code, output } = await cli.exit;
    expect(code, output).toBe(1);
    expect(readFileSync(path.join(home, 'running.json'), 'utf8')).toBe('{}');
    expect(existsSync(path.join(dir, 'output-vmware-iso'))).toBe(false);
  });

  it('"driver": "vmrun" without VMware says how to fix it', async () => {
    const dir = tempDir();
    process.env.BOXWRIGHT_VMRUN = path.join(dir, 'no-such-vmrun');
    try {
      const run = await runCli(['build', writeTemplate(dir, { builders: [isoBuilder(dir, { driver: 'vmrun' })] })], {
        cwd: dir,
      });
      expect(run.code).toBe(1);
      expect(run.all).toContain('"driver": "vmrun" needs VMware Workstation, Player or Fusion');
      expect(run.all).toContain('use "driver": "qemu"');
    } finally {
      delete process.env.BOXWRIGHT_VMRUN;
    }
  });
});
