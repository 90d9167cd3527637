import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SshCommunicator } from '../../src/communicators/ssh/communicator.js';
import { waitForSsh } from '../../src/communicators/ssh/wait.js';
import { recordingUi, sshConfig } from './ssh.js';
import { freePort } from './sshd.js';

const signal = new AbortController().signal;

/** Boots a disk (as a read-only snapshot) under TCG with SSH forwarded to loopback. */
export async function bootDisk(
  image: string,
  hardware: string[] = ['-drive', 'file=IMAGE,if=virtio,snapshot=on', '-device', 'virtio-net-pci,netdev=n0'],
) {
  const port = await freePort();
  // The console goes to a file so that a guest that never answers SSH says why.
  const logDir = mkdtempSync(path.join(tmpdir(), 'bootdisk-'));
  const serialLog = path.join(logDir, 'serial.log');
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      '-accel',
      'tcg,thread=multi',
      '-machine',
      'pc',
      '-m',
      '1024',
      '-smp',
      '2',
      '-nodefaults',
      '-display',
      'none',
      ...hardware.map((h) => h.replace('IMAGE', image)),
      '-netdev',
      `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`,
      '-serial',
      `file:${serialLog}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    port,
    qemu,
    /** The console's last lines, for a failure message. */
    serialTail: (lines = 15) =>
      existsSync(serialLog) ? readFileSync(serialLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '',
    stop: () =>
      new Promise<void>((resolve) =>
        qemu.exitCode !== null ? resolve() : (qemu.once('exit', () => resolve()), qemu.kill('SIGKILL')),
      ).then(() => rmSync(logDir, { recursive: true, force: true })),
  };
}

type BootedDisk = Awaited<ReturnType<typeof bootDisk>>;

/**
 * Logs in as vagrant/vagrant and returns a runner of commands. Given the booted disk rather than
 * its port, a guest that never answers fails with its console's last lines.
 */
export async function loginVagrant(target: number | BootedDisk) {
  return login(target, { ssh_username: 'vagrant', ssh_password: 'vagrant' });
}

/** Logs in with the given SSH options (user and password or key file), as loginVagrant does. */
export async function login(target: number | BootedDisk, credentials: Record<string, unknown>) {
  const port = typeof target === 'number' ? target : target.port;
  const cfg = sshConfig({ ssh_host: '127.0.0.1', ssh_port: port, ssh_timeout: '5m', ...credentials });
  const endpoint = { host: '127.0.0.1', port };
  const ui = recordingUi();
  const client = await waitForSsh(cfg, endpoint, { ui, signal, log: () => {} }).catch((e: Error) => {
    if (typeof target === 'number') throw e;
    throw new Error(`${e.message}\nthe guest's console ended with:\n${target.serialTail()}`);
  });
  const comm = new SshCommunicator(cfg, endpoint, client, {
    ui,
    signal,
    log: () => {},
  });
  const run = async (command: string) => {
    const out: string[] = [];
    const r = await comm.exec(command, { signal, onStdout: (l) => out.push(l), onStderr: (l) => out.push(l) });
    return { ...r, out };
  };
  return { comm, run };
}
