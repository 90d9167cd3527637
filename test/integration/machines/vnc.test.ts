import { describe, expect, it } from 'vitest';
import { parseBootCommand } from '../../../src/machines/boot-command.js';
import { RunningMachine, type MachineSpec } from '../../../src/machines/qemu/machine.js';
import { toVncKeys } from '../../../src/machines/vnc/keysyms.js';
import { RfbKeyboard } from '../../../src/machines/vnc/rfb-client.js';
import { reservePort } from '../../../src/util/ports.js';
import { tempDir } from '../../support/cli.js';
import { probeVnc } from '../../support/vnc.js';

const signal = new AbortController().signal;

/** A machine with no disk: SeaBIOS runs and finds nothing to boot, which is all a VNC console needs. */
async function diskless(vnc: MachineSpec['vnc']): Promise<RunningMachine> {
  return RunningMachine.start(
    {
      accelerator: 'tcg',
      machineType: 'pc',
      memoryMb: 64,
      cpus: 1,
      disks: [],
      diskInterface: 'virtio',
      cdroms: [],
      bootFromCdrom: false,
      netDevice: 'e1000',
      firmware: { kind: 'bios' },
      workDir: tempDir(),
      vnc,
      extraArgs: [],
    },
    signal,
    () => {},
  );
}

describe('the VNC console of a real QEMU', () => {
  it('without a password lets a viewer in with no authentication', async () => {
    const { port, release } = await reservePort(5900, 6000);
    const machine = await diskless({ bindAddress: '127.0.0.1', display: port - 5900, password: false });
    try {
      const vnc = await probeVnc(port);
      expect(vnc.version).toBe('RFB 003.008');
      expect(vnc.securityTypes).toEqual([1]);
    } finally {
      await machine.kill();
      machine.qmp.close();
      release();
    }
  });

  it('with a password asks for VNC authentication and takes only the password set through QMP', async () => {
    const { port, release } = await reservePort(5900, 6000);
    const machine = await diskless({ bindAddress: '127.0.0.1', display: port - 5900, password: true });
    try {
      expect((await probeVnc(port)).securityTypes).toEqual([2]);
      await machine.setVncPassword('Xy7pQ2rs');
      expect((await probeVnc(port, 'wrong')).authenticated).toBe(false);
      expect((await probeVnc(port, 'Xy7pQ2rs')).authenticated).toBe(true);
    } finally {
      await machine.kill();
      machine.qmp.close();
      release();
    }
  });

  it("takes boot_command keys from boxwright's own VNC client (as a VMware build types them)", async () => {
    const { port, release } = await reservePort(5900, 6000);
    const machine = await diskless({ bindAddress: '127.0.0.1', display: port - 5900, password: false });
    try {
      const keyboard = await RfbKeyboard.connect('127.0.0.1', port, signal);
      await keyboard.type(toVncKeys(parseBootCommand('linux auto=true<enter><leftShiftOn>x<leftShiftOff>')), 1, signal);
      keyboard.close();
      // QEMU is still up and answering: the handshake and the key events were well formed.
      expect(machine.running).toBe(true);
      expect(await machine.qmp.execute('query-status')).toMatchObject({ status: 'running' });
    } finally {
      await machine.kill();
      machine.qmp.close();
      release();
    }
  });
});
