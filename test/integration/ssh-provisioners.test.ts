import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemplate } from '../support/cli.js';
import { stillAlive } from '../support/process.js';
import { startSshd, TEST_PASSWORD, TEST_USER, type Sshd } from '../support/sshd.js';

let sshd: Sshd;
let bastion: Sshd;
// A folder both this test and the test user can write: the "machine" is this host.
let shared: string;

beforeAll(async () => {
  sshd = await startSshd();
  bastion = await startSshd();
  shared = mkdtempSync(path.join(tmpdir(), 'boxwright-guest-'));
  chmodSync(shared, 0o777);
});
afterAll(async () => {
  await sshd?.dispose();
  await bastion?.dispose();
  rmSync(shared, { recursive: true, force: true });
});

const keyAuth = () => ({
  type: 'null',
  ssh_host: '127.0.0.1',
  ssh_port: sshd.port,
  ssh_username: TEST_USER,
  ssh_private_key_file: sshd.clientKey,
  ssh_timeout: '20s',
});

describe('shell and file provisioners over SSH (null builder, real sshd)', () => {
  it('logs in with a password and runs inline commands with environment variables', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'null',
          ssh_host: '127.0.0.1',
          ssh_port: sshd.port,
          ssh_username: TEST_USER,
          ssh_password: TEST_PASSWORD,
        },
      ],
      provisioners: [
        {
          type: 'shell',
          inline: ['echo "I am $(id -un) in build $PACKER_BUILD_NAME"', 'echo "greeting=$GREETING"', 'uname -r'],
          environment_vars: ["GREETING=it's me"],
        },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain(`Waiting for SSH to become available on 127.0.0.1:${sshd.port}...`);
    expect(run.stdout).toContain('==> null: Provisioning with shell script: inline commands (3)');
    expect(run.stdout).toContain(`    null: I am ${TEST_USER} in build null`);
    expect(run.stdout).toContain("    null: greeting=it's me");
    expect(run.stdout).toContain(`    null: ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}`);
  });

  it('uploads with the file provisioner and runs a script file with a key login, cleaning the remote script', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'motd'), 'hello from the host\n');
    writeFileSync(path.join(dir, 'check.sh'), '#!/bin/sh\nset -e\ncat "$TARGET"\nls /tmp/boxwright-remote-script.sh\n');
    const target = path.join(shared, 'motd');
    const t = writeTemplate(dir, {
      builders: [keyAuth()],
      provisioners: [
        { type: 'file', source: 'motd', destination: target },
        { type: 'shell', script: 'check.sh', env: { TARGET: target }, remote_path: '/tmp/boxwright-remote-script.sh' },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain(`Uploading motd => ${target}`);
    expect(run.stdout).toContain('    null: hello from the host');
    expect(existsSync('/tmp/boxwright-remote-script.sh')).toBe(false);
  });

  it('reaches the machine through a bastion', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [
        {
          ...keyAuth(),
          ssh_bastion_host: '127.0.0.1',
          ssh_bastion_port: bastion.port,
          ssh_bastion_username: TEST_USER,
          ssh_bastion_private_key_file: bastion.clientKey,
        },
      ],
      provisioners: [{ type: 'shell', inline: ['echo "via bastion: $SSH_CONNECTION"'] }],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    // The target sees the connection coming from the bastion's forward, to its own port.
    expect(run.stdout).toMatch(new RegExp(`null: via bastion: 127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${sshd.port}`));
  });

  it('fails with the script, the exit code and the last output', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [keyAuth()],
      provisioners: [{ type: 'shell', inline: ['echo step one', 'echo something broke >&2', 'exit 42'] }],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'shell provisioner (provisioners[0]) failed: script inline commands (3) exited with code 42 on the machine (allowed exit codes: 0)',
    );
    expect(run.stderr).toContain('Last output:\n  step one\n  something broke');
  });

  it('reports an SSH timeout with the last error and a hint', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ ...keyAuth(), ssh_port: 1, ssh_timeout: '1s' }],
      provisioners: [{ type: 'shell', inline: ['true'] }],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'Timeout waiting for SSH after 1 second. Last error (port closed): connection refused on 127.0.0.1:1',
    );
    expect(run.stderr).toContain('(hint: the SSH server is not listening yet');
  });

  it("uploads and downloads directories with Packer's trailing-slash rule", async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'site/css'), { recursive: true });
    writeFileSync(path.join(dir, 'site/index.html'), '<h1>hi</h1>');
    writeFileSync(path.join(dir, 'site/css/a.css'), 'body{}');
    const remote = path.join(shared, 'www');
    const t = writeTemplate(dir, {
      builders: [keyAuth()],
      provisioners: [
        { type: 'file', source: 'site', destination: remote },
        { type: 'file', source: 'site/', destination: `${remote}/flat` },
        { type: 'shell', inline: [`cd ${remote} && find . -type f | sort`] },
        { type: 'file', direction: 'download', source: `${remote}/site/`, destination: 'back' },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain(
      '    null: ./flat/css/a.css\n    null: ./flat/index.html\n    null: ./site/css/a.css\n    null: ./site/index.html',
    );
    expect(readFileSync(path.join(dir, 'back/css/a.css'), 'utf8')).toBe('body{}');
  });

  it('uploads a file of hundreds of MiB, intact', async () => {
    const dir = tempDir();
    const big = path.join(dir, 'big.bin');
    const fd = openSync(big, 'w');
    const chunk = Buffer.alloc(1 << 20);
    const hash = createHash('sha256');
    for (let i = 0; i < 256; i++) {
      chunk.fill(i % 251);
      chunk.writeUInt32LE((i * 2654435761) >>> 0, 100);
      writeSync(fd, chunk);
      hash.update(chunk);
    }
    closeSync(fd);
    const target = path.join(shared, 'big.bin');
    const t = writeTemplate(dir, {
      builders: [keyAuth()],
      provisioners: [
        { type: 'file', source: 'big.bin', destination: target },
        { type: 'shell', inline: [`sha256sum ${target}`, `rm -f ${target}`] },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain(`    null: ${hash.digest('hex')}  ${target}`);
  }, 120_000);

  it('survives a reboot in the middle with expect_disconnect, and carries on after reconnecting', async () => {
    const dir = tempDir();
    const flag = path.join(shared, 'reboot-requested');
    const t = writeTemplate(dir, {
      builders: [keyAuth()],
      provisioners: [
        { type: 'shell', inline: [`touch ${flag}`, 'sleep 60'], expect_disconnect: true },
        { type: 'shell', inline: [`cat ${shared}/booted-again`], start_retry_timeout: '30s' },
      ],
    });
    // The "machine" reboots when asked: sshd and every session die, then sshd comes back.
    const reboot = (async () => {
      while (!existsSync(flag)) await new Promise((r) => setTimeout(r, 50));
      await sshd.reboot(() => writeFileSync(path.join(shared, 'booted-again'), 'up again\n'));
    })();
    const run = await runCli(['build', t], { cwd: dir });
    await reboot;
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('The machine disconnected, as expect_disconnect said it might. Continuing.');
    expect(run.stdout).toContain('The SSH connection was closed; connecting again...');
    expect(run.stdout).toContain('    null: up again');
  }, 60_000);
});

describe('Ctrl-C over SSH', () => {
  it('stops the remote command: nothing is left running on the machine', async () => {
    const dir = tempDir();
    const pidFile = path.join(shared, 'remote-sleep.pid');
    const t = writeTemplate(dir, {
      builders: [keyAuth()],
      provisioners: [{ type: 'shell', inline: [`sleep 120 & echo $! > ${pidFile}`, 'wait'] }],
    });
    const child = spawn(process.execPath, [path.resolve(__dirname, '../../bin/boxwright'), 'build', t], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const until = Date.now() + 20_000;
    while (!existsSync(pidFile) || !readFileSync(pidFile, 'utf8').trim()) {
      if (Date.now() > until) throw new Error(`the remote command did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(output).toContain('Cleanly cancelled builds after being interrupted.');
    expect(await stillAlive(pid)).toBe(false);
  }, 60_000);
});
