import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { debianBaseImage } from '../../support/base-image.js';
import { bootDisk, login, loginVagrant } from '../../support/vm.js';

describe('the offline Debian 12 base image', () => {
  it.each([
    ['generic virtio', ['-drive', 'file=IMAGE,if=virtio,snapshot=on', '-device', 'virtio-net-pci,netdev=n0']],
    [
      'VirtualBox-like (AHCI disk, e1000 NIC)',
      [
        '-drive',
        'file=IMAGE,if=none,id=d0,snapshot=on',
        '-device',
        'ahci,id=ahci0',
        '-device',
        'ide-hd,drive=d0,bus=ahci0.0',
        '-device',
        'e1000,netdev=n0',
      ],
    ],
  ])(
    'boots on %s hardware to SSH, with the vagrant user and passwordless sudo, cloud-init off',
    async (_name, hardware) => {
      const image = await debianBaseImage();
      const vm = await bootDisk(image, hardware as string[]);
      try {
        const started = Date.now();
        const { comm, run } = await loginVagrant(vm);
        const bootMs = Date.now() - started;
        expect((await run('id -un; sudo -n id -un; cat /etc/os-release | grep VERSION_ID')).out).toEqual([
          'vagrant',
          'root',
          'VERSION_ID="12"',
        ]);
        // No cloud datasource here: cloud-init switched itself off and did not hold up the boot.
        expect((await run('cloud-init status')).out).toEqual(['status: disabled']);
        expect((await run('cat ~/.ssh/authorized_keys')).out[0]).toMatch(
          /^ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp9eWW6A8YVr.* vagrant insecure public key$/,
        );
        console.log(`booted to SSH in ${bootMs} ms on ${_name}`);
        await comm.close();
      } finally {
        await vm.stop();
      }
    },
    600_000,
  );
});

describe('the base image in the cloud', () => {
  it('boots on an NVMe disk; cloud-init gives vagrant the SSH key of a NoCloud seed, and the lockdown closes the well-known login on EC2 only', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cloud-seed-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'seed-key', '-f', path.join(dir, 'id')]);
      mkdirSync(path.join(dir, 'seed'));
      const publicKey = readFileSync(path.join(dir, 'id.pub'), 'utf8').trim();
      writeFileSync(path.join(dir, 'seed', 'meta-data'), 'instance-id: i-0123456789abcdef0\nlocal-hostname: seeded\n');
      writeFileSync(path.join(dir, 'seed', 'user-data'), `#cloud-config\nssh_authorized_keys:\n  - ${publicKey}\n`);
      const seed = path.join(dir, 'seed.iso');
      execFileSync('xorriso', [
        '-as',
        'mkisofs',
        '-quiet',
        '-J',
        '-R',
        '-V',
        'cidata',
        '-o',
        seed,
        path.join(dir, 'seed'),
      ]);

      const vm = await bootDisk(await debianBaseImage(), [
        '-drive',
        'file=IMAGE,if=none,id=d0,snapshot=on',
        '-device',
        'nvme,drive=d0,serial=boxwright',
        '-device',
        'virtio-net-pci,netdev=n0',
        '-drive',
        `file=${seed},media=cdrom,readonly=on`,
      ]);
      try {
        const seeded = await login(vm, { ssh_username: 'vagrant', ssh_private_key_file: path.join(dir, 'id') });
        // The key arrives with cloud-init's network stage; wait for its last stage before looking.
        await seeded.run('cloud-init status --wait >/dev/null');
        expect((await seeded.run('id -un; sudo -n id -un; hostname; cloud-init query platform')).out).toEqual([
          'vagrant',
          'root',
          'seeded',
          'nocloud',
        ]);
        // No user was added: the box's users are the AMI's.
        expect((await seeded.run('getent passwd | awk -F: "\\$3 >= 1000 && \\$3 < 65534 { print \\$1 }"')).out).toEqual(
          ['vagrant'],
        );
        // What cloud-init's growpart and resizefs need to grow the root to a larger EBS volume.
        expect((await seeded.run('ls /usr/bin/growpart /usr/sbin/resize2fs')).out).toEqual([
          '/usr/bin/growpart',
          '/usr/sbin/resize2fs',
        ]);
        expect((await seeded.run('lsblk -dno TRAN /dev/nvme0n1')).out).toEqual(['nvme']);
        // A NoCloud seed on a laptop is not EC2: the password and Vagrant's key still open it.
        const vagrant = await loginVagrant(vm);
        expect((await vagrant.run('grep -c "vagrant insecure public key" ~/.ssh/authorized_keys')).out).toEqual(['1']);
        await vagrant.comm.close();

        // What cloud-init runs at every boot on EC2 (bootcmd), given the platform EC2 reports.
        expect((await seeded.run('sudo boxwright-cloud-lockdown ec2')).out).toEqual([
          'boxwright-cloud-lockdown: the vagrant login is closed on ec2',
        ]);
        expect(
          (
            await seeded.run(
              'sudo passwd -S vagrant | cut -d" " -f2; grep -c "vagrant insecure public key" ~/.ssh/authorized_keys; grep -c seed-key ~/.ssh/authorized_keys; sudo sshd -T | grep -i "^passwordauthentication"',
            )
          ).out,
        ).toEqual(['L', '0', '1', 'passwordauthentication no']);
        await seeded.comm.close();
      } finally {
        await vm.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
