import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SshCommunicator } from '../../../src/communicators/ssh/communicator.js';
import { waitForSsh } from '../../../src/communicators/ssh/wait.js';
import { debianBaseImage } from '../../support/base-image.js';
import { recordingUi, sshConfig } from '../../support/ssh.js';
import { freePort } from '../../support/sshd.js';

const signal = new AbortController().signal;

/** Boots the base disk (read-only snapshot) under TCG with SSH forwarded to loopback. */
async function boot(image: string, hardware: string[]) {
  const port = await freePort();
  const qemu = spawn('qemu-system-x86_64', ['-accel', 'tcg,thread=multi', '-machine', 'pc', '-m', '1024', '-smp', '2', '-nodefaults', '-display', 'none', ...hardware.map((h) => h.replace('IMAGE', image)), '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`, '-serial', 'null'], { stdio: 'ignore' });
  return { port, qemu, stop: () => new Promise<void>((resolve) => (qemu.exitCode !== null ? resolve() : (qemu.once('exit', () => resolve()), qemu.kill('SIGKILL')))) };
}

async function login(port: number) {
  const cfg = sshConfig({ ssh_host: '127.0.0.1', ssh_port: port, ssh_username: 'vagrant', ssh_password: 'vagrant', ssh_timeout: '3m' });
  const endpoint = { host: '127.0.0.1', port };
  const ui = recordingUi();
  const comm = new SshCommunicator(cfg, endpoint, await waitForSsh(cfg, endpoint, { ui, signal, log: () => {} }), { ui, signal, log: () => {} });
  const run = async (command: string) => {
    const out: string[] = [];
    const r = await comm.exec(command, { signal, onStdout: (l) => out.push(l), onStderr: (l) => out.push(l) });
    return { ...r, out };
  };
  return { comm, run };
}

describe('the offline Debian 12 base image', () => {
  it.each([
    ['generic virtio', ['-drive', 'file=IMAGE,if=virtio,snapshot=on', '-device', 'virtio-net-pci,netdev=n0']],
    ['VirtualBox-like (AHCI disk, e1000 NIC)', ['-drive', 'file=IMAGE,if=none,id=d0,snapshot=on', '-device', 'ahci,id=ahci0', '-device', 'ide-hd,drive=d0,bus=ahci0.0', '-device', 'e1000,netdev=n0']],
  ])('boots on %s hardware to SSH, with the vagrant user and passwordless sudo', async (_name, hardware) => {
    const image = await debianBaseImage();
    const vm = await boot(image, hardware as string[]);
    try {
      const started = Date.now();
      const { comm, run } = await login(vm.port);
      const bootMs = Date.now() - started;
      expect((await run('id -un; sudo -n id -un; cat /etc/os-release | grep VERSION_ID')).out).toEqual(['vagrant', 'root', 'VERSION_ID="12"']);
      expect((await run('cat ~/.ssh/authorized_keys')).out[0]).toMatch(/^ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp9eWW6A8YVr.* vagrant insecure public key$/);
      console.log(`booted to SSH in ${bootMs} ms on ${_name}`);
      await comm.close();
    } finally {
      await vm.stop();
    }
  }, 600_000);
});
