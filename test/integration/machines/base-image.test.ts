import { describe, expect, it } from 'vitest';
import { debianBaseImage } from '../../support/base-image.js';
import { bootDisk, loginVagrant } from '../../support/vm.js';

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
    'boots on %s hardware to SSH, with the vagrant user and passwordless sudo',
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
