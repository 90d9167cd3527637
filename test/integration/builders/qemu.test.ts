import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debianBaseImage } from '../../support/base-image.js';
import { efiDisk } from '../../support/efi-disk.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { qemuFromBase } from '../../support/qemu-template.js';
import { startCli, stillAlive } from '../../support/process.js';
import { vagrant } from '../../support/vagrant.js';
import { bootDisk, loginVagrant } from '../../support/vm.js';

let base: string;
beforeAll(async () => {
  base = await debianBaseImage();
}, 900_000);

const qemu = (extra: Record<string, unknown>) => qemuFromBase(base, extra);

describe('qemu builder (real QEMU, TCG here)', () => {
  it('builds qcow2 and raw from the base image with provisioners; the output boots with the files in it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'app.conf'), 'setting=42\n');
    const t = writeTemplate(dir, {
      builders: [
        qemu({ name: 'qcow2', format: 'qcow2', output_directory: 'out-qcow2', vm_name: 'disk.qcow2' }),
        qemu({ name: 'raw', format: 'raw', output_directory: 'out-raw', vm_name: 'disk.raw' }),
      ],
      provisioners: [
        { type: 'shell', inline: ['echo "built by {{build_name}}" | sudo tee /etc/boxwright-marker', 'uname -r'] },
        { type: 'file', source: 'app.conf', destination: '/tmp/app.conf' },
        { type: 'shell', inline: ['sudo mv /tmp/app.conf /etc/app.conf', 'sync'] },
      ],
      'post-processors': [
        {
          type: 'vagrant',
          only: ['qcow2'],
          output: 'boxes/{{.BuildName}}-{{.Provider}}.box',
          compression_level: 1,
          keep_input_artifact: true,
        },
      ],
    });
    const started = Date.now();
    const run = await runCli(['build', t], { cwd: dir });
    console.log(`qemu build of two disks took ${Date.now() - started} ms`);
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toMatch(/==> qcow2: Accelerator: (tcg|kvm) \(/);
    expect(run.stdout).toMatch(/ {4}qcow2: \d+\.\d+\.\d+-\d+-amd64/);
    expect(run.stdout).toContain('--> qcow2: VM files in directory: out-qcow2 (disk.qcow2, qcow2)');
    const info = (file: string) =>
      JSON.parse(execFileSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' })) as { format: string };
    expect(info(path.join(dir, 'out-qcow2/disk.qcow2')).format).toBe('qcow2');
    expect(info(path.join(dir, 'out-raw/disk.raw')).format).toBe('raw');

    // The libvirt box of the qcow2 build is one the real Vagrant adds.
    expect(run.stdout).toContain("--> qcow2: 'libvirt' provider box: ");
    const { home } = await vagrant([
      'box',
      'add',
      '--name',
      'boxwright/qemu-built',
      path.join(dir, 'boxes/qcow2-libvirt.box'),
    ]);
    expect((await vagrant(['box', 'list'], home)).stdout).toMatch(/^boxwright\/qemu-built\s+\(libvirt, 0\)/m);

    const vm = await bootDisk(path.join(dir, 'out-qcow2/disk.qcow2'));
    try {
      const { comm, run: sh } = await loginVagrant(vm);
      expect((await sh('cat /etc/boxwright-marker /etc/app.conf')).out).toEqual(['built by qcow2', 'setting=42']);
      await comm.close();
    } finally {
      await vm.stop();
    }
  }, 600_000);

  it('types boot_command into the guest, serves http_directory at {{ .HTTPIP }}:{{ .HTTPPort }}, attaches a cd_files CD and a floppy, and offers VNC', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'http'));
    writeFileSync(path.join(dir, 'http', 'hello.txt'), 'hello from http_directory\n');
    mkdirSync(path.join(dir, 'seed'));
    writeFileSync(path.join(dir, 'seed', 'user-data'), '#cloud-config\n');
    writeFileSync(path.join(dir, 'seed', 'meta-data'), 'instance-id: boxwright\n');
    mkdirSync(path.join(dir, 'answers', 'scripts'), { recursive: true });
    writeFileSync(path.join(dir, 'answers', 'ks.cfg'), 'text\nreboot\n');
    writeFileSync(path.join(dir, 'answers', 'scripts', 'setup.cmd'), 'echo setup\n');
    const t = writeTemplate(dir, {
      builders: [
        qemu({
          http_directory: 'http',
          boot_wait: '35s',
          // Log in on the console, then fetch a file from the build's HTTP server with bash alone.
          // The login prompt comes at about 36 s under TCG, later on a busy machine: the login is
          // typed twice, 20 s apart, each round after an empty line (at a password prompt that fails
          // the login back to "login:"; at a shell it does nothing), so one round meets the prompt.
          boot_command: [
            '<enter><wait5>vagrant<enter><wait4>vagrant<enter><wait6><wait20>',
            '<enter><wait5>vagrant<enter><wait4>vagrant<enter><wait6>',
            'echo typed-at-the-console > /tmp/typed<enter><wait>',
            `bash -c 'exec 3<>/dev/tcp/{{ .HTTPIP }}/{{ .HTTPPort }}; printf "GET /hello.txt HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3 > /tmp/fetched'<enter>`,
          ],
          boot_key_interval: '20ms',
          cd_files: ['seed/*-data'],
          cd_content: { 'extra/note.txt': 'from cd_content' },
          // Not "cidata": the base image's cloud-init would take that CD for a NoCloud seed.
          cd_label: 'extras',
          vnc_use_password: true,
          floppy_files: ['answers/ks.cfg'],
          floppy_dirs: ['answers/scripts'],
          floppy_content: { 'note.txt': 'from floppy_content' },
          floppy_label: 'answers',
        }),
      ],
      provisioners: [
        { type: 'shell', inline: ['cat /tmp/typed', 'tail -n 1 /tmp/fetched', 'echo "addr=$PACKER_HTTP_ADDR"'] },
        {
          type: 'shell',
          inline: [
            'sudo mount -o ro LABEL=extras /mnt',
            'cat /mnt/meta-data /mnt/extra/note.txt; echo',
            'ls /mnt | tr "\\n" " "; echo',
            'sudo umount /mnt',
          ],
        },
        {
          type: 'shell',
          inline: [
            'sudo modprobe floppy',
            'sudo mount -o ro /dev/fd0 /mnt',
            'echo "floppy label $(sudo blkid -o value -s LABEL /dev/fd0)"',
            'cat /mnt/ks.cfg /mnt/scripts/setup.cmd /mnt/note.txt; echo',
            'sudo umount /mnt',
          ],
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('    qemu: typed-at-the-console');
    expect(run.stdout).toContain('    qemu: hello from http_directory');
    expect(run.stdout).toMatch(/ {4}qemu: addr=10\.0\.2\.2:\d+/);
    expect(run.stdout).toContain('    qemu: instance-id: boxwright\n    qemu: from cd_content');
    expect(run.stdout).toContain('    qemu: extra meta-data user-data');
    expect(run.stdout).toContain(
      '    qemu: floppy label ANSWERS\n    qemu: text\n    qemu: reboot\n    qemu: echo setup\n    qemu: from floppy_content',
    );
    // The VNC password is in a private file for the build's life, never in the output.
    const vnc =
      /The console is on VNC at vnc:\/\/127\.0\.0\.1:(\d+) \(display :(\d+)\); the password is in (\S+) while the build runs/.exec(
        run.stdout,
      );
    expect(vnc, run.stdout).not.toBeNull();
    expect(Number(vnc![1]) - 5900).toBe(Number(vnc![2]));
    expect(existsSync(vnc![3]!)).toBe(false);
  }, 600_000);

  it('efi_boot starts OVMF: the guest sees UEFI, and its variable store is kept as efivars.fd next to the disk; checkpoints keep the store too', async () => {
    const disk = await efiDisk(base);
    const dir = tempDir();
    const env = { BOXWRIGHT_CHECKPOINT_DIR: path.join(dir, 'checkpoints') };
    // The disk boots under BIOS too (extlinux), so only UEFI makes /sys/firmware/efi appear.
    const uefi = {
      type: 'shell',
      inline: ['test -d /sys/firmware/efi && echo "firmware: UEFI, $(cat /sys/firmware/efi/fw_platform_size)-bit"'],
    };
    const template = (provisioners: object[]) =>
      writeTemplate(dir, {
        builders: [
          qemu({
            iso_url: disk,
            efi_boot: true,
            output_directory: 'out',
            vm_name: 'disk.qcow2',
            skip_compaction: true,
          }),
        ],
        provisioners,
      });
    const t = template([uefi]);
    const run = await runCli(['build', t], { cwd: dir, env });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toMatch(
      /Booting UEFI: \/usr\/share\/OVMF\/OVMF_CODE\.fd, variables from \/usr\/share\/OVMF\/OVMF_VARS\.fd/,
    );
    expect(run.stdout).toContain('    qemu: firmware: UEFI, 64-bit');
    const vars = path.join(dir, 'out', 'efivars.fd');
    expect(statSync(vars).size).toBe(statSync('/usr/share/OVMF/OVMF_VARS.fd').size);
    // OVMF wrote its boot entries into the build's copy, not into the installed template.
    expect(readFileSync(vars).equals(readFileSync('/usr/share/OVMF/OVMF_VARS.fd'))).toBe(false);
    expect(readdirSync(path.join(dir, 'out')).sort()).toEqual(['disk.qcow2', 'efivars.fd']);

    // A provisioner added: the machine continues from the checkpoint with its variable store,
    // not the template's (a continued OVMF does not write its boot entries again).
    const added = template([
      uefi,
      { type: 'shell', inline: ['echo "second: $(cat /sys/firmware/efi/fw_platform_size)"'] },
    ]);
    const rebuild = await runCli(['build', '-force', added], { cwd: dir, env });
    expect(rebuild.code, rebuild.all).toBe(0);
    expect(rebuild.stdout).toContain('Resuming from the checkpoint after provisioner 1 of 2');
    expect(rebuild.stdout).toContain("variables from the checkpoint's copy");
    expect(rebuild.stdout).toContain('Continuing the machine saved with the checkpoint');
    expect(rebuild.stdout).toContain('    qemu: second: 64');
    const rebuilt = readFileSync(vars);
    expect(rebuilt.equals(readFileSync('/usr/share/OVMF/OVMF_VARS.fd'))).toBe(false);
    // Nothing changed: the finished machine's disk and variable store are exported as they were.
    const unchanged = await runCli(['build', '-force', added], { cwd: dir, env });
    expect(unchanged.code, unchanged.all).toBe(0);
    expect(unchanged.stdout).toContain('Nothing changed since a build that finished');
    expect(readFileSync(vars).equals(rebuilt)).toBe(true);
  }, 600_000);

  it('refuses an existing output directory without -force, before starting anything', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'output-qemu'));
    writeFileSync(path.join(dir, 'output-qemu', 'old'), 'x');
    const t = writeTemplate(dir, { builders: [qemu({})] });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('output directory output-qemu already exists');
    expect(run.stderr).toContain('build with -force');
    expect(readFileSync(path.join(dir, 'output-qemu', 'old'), 'utf8')).toBe('x');
  });

  it('-force keeps the previous output until the new source is good, and a failed build leaves an empty directory it found', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'output-qemu'));
    writeFileSync(path.join(dir, 'output-qemu', 'old'), 'x');
    const missing = writeTemplate(dir, { builders: [qemu({ iso_url: path.join(dir, 'missing.qcow2') })] });
    const forced = await runCli(['build', '-force', missing], { cwd: dir });
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('missing.qcow2');
    expect(readdirSync(path.join(dir, 'output-qemu'))).toEqual(['old']);
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('output-qemu'))
        .sort(),
    ).toEqual(['output-qemu']);

    // An empty directory made by someone else stays; the build removes only what it made.
    const empty = path.join(dir, 'shared');
    mkdirSync(empty);
    const t = writeTemplate(dir, {
      builders: [qemu({ iso_url: path.join(dir, 'missing.qcow2'), output_directory: 'shared' })],
    });
    expect((await runCli(['build', t], { cwd: dir })).code).toBe(1);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('SIGINT half-way leaves no QEMU process, temp dir, port or half-written output', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'debug.log');
    const t = writeTemplate(dir, { builders: [qemu({})] });
    const child = spawn(process.execPath, [path.resolve(__dirname, '../../../bin/boxwright'), 'build', t], {
      cwd: dir,
      env: { ...process.env, BOXWRIGHT_LOG: '1', BOXWRIGHT_LOG_PATH: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const until = Date.now() + 120_000;
    while (!/Waiting for SSH to become available on 127\.0\.0\.1:(\d+)/.test(output)) {
      if (Date.now() > until) throw new Error(`the build did not get to waiting for SSH:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)![1]);
    const logText = readFileSync(log, 'utf8');
    const pid = Number(/qemu: pid (\d+)/.exec(logText)![1]);
    const workDir = /serial log (\S+)\/serial\.log/.exec(logText)![1]!;
    expect(existsSync(workDir)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(output).toContain('Cleanly cancelled builds after being interrupted.');
    expect(await stillAlive(pid)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    expect(existsSync(path.join(dir, 'output-qemu'))).toBe(false);
    const listening = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    expect(listening).toBe(false);
  }, 300_000);

  it('SIGKILL leaves QEMU running, marked with the run; the next build names it and boxwright cleanup stops it', async () => {
    const dir = tempDir();
    // Its own temp folder and cache, so that no other test's build sees this run's leftovers.
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp, BOXWRIGHT_CACHE_DIR: path.join(dir, 'cache') };
    const t = writeTemplate(dir, { builders: [qemu({ headless: true })] });
    const run = startCli(['build', t], dir, env);
    const until = Date.now() + 120_000;
    while (!run.output().includes('Waiting for SSH')) {
      if (Date.now() > until) throw new Error(`the build did not get to waiting for SSH:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    run.signal('SIGKILL');
    await run.exit;
    const [workDir] = readdirSync(tmp);
    expect(workDir).toMatch(/^boxwright-pid\d+-qemu-/);
    const qemuPid = Number(
      execFileSync('pgrep', ['-f', `qemu-system-x86_64 -name ${workDir!.split('-qemu-')[0]}`], { encoding: 'utf8' }),
    );
    expect(await stillAlive(qemuPid, 300)).toBe(true);

    const next = await startCli(['build', writeTemplate(dir, { builders: [{ type: 'null' }] }, 'next.json')], dir, env)
      .exit;
    expect(next.output).toContain(`process ${qemuPid}: qemu-system-x86_64`);
    const cleanup = await startCli(['cleanup'], dir, env).exit;
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(cleanup.output).toContain(`process ${qemuPid}: qemu-system-x86_64`);
    expect(await stillAlive(qemuPid)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  }, 300_000);
});
