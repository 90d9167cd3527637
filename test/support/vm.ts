import { spawn } from 'node:child_process';
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
      'null',
    ],
    { stdio: 'ignore' },
  );
  return {
    port,
    qemu,
    stop: () =>
      new Promise<void>((resolve) =>
        qemu.exitCode !== null ? resolve() : (qemu.once('exit', () => resolve()), qemu.kill('SIGKILL')),
      ),
  };
}

/** Logs in as vagrant/vagrant and returns a runner of commands. */
export async function loginVagrant(port: number) {
  const cfg = sshConfig({
    ssh_host: '127.0.0.1',
    ssh_port: port,
    ssh_username: 'vagrant',
    ssh_password: 'vagrant',
    ssh_timeout: '3m',
  });
  const endpoint = { host: '127.0.0.1', port };
  const ui = recordingUi();
  const comm = new SshCommunicator(cfg, endpoint, await waitForSsh(cfg, endpoint, { ui, signal, log: () => {} }), {
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
