import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBootCommand } from '../../../src/machines/boot-command.js';
import { toScancodes } from '../../../src/machines/vboxmanage/scancodes.js';
import { parseHostOnlyInterfaces, parseMachineReadable } from '../../../src/machines/vboxmanage/vboxmanage.js';

const fixture = (name: string) => readFileSync(path.resolve(__dirname, '../../fixtures/vboxmanage', name), 'utf8');

describe('VBoxManage output', () => {
  it('reads showvminfo --machinereadable: quoted and bare values, quoted storage-slot keys, forwarding rules', () => {
    const info = parseMachineReadable(fixture('showvminfo-running.txt'));
    expect(info.get('VMState')).toBe('running');
    expect(info.get('memory')).toBe('1024');
    expect(info.get('cpus')).toBe('2');
    expect(info.get('IDE Controller-0-1')).toBe('/home/dev/.cache/packer/debian-12.2.0-amd64-netinst.iso');
    expect(info.get('CfgFile')).toBe('/home/dev/VirtualBox VMs/packer-debian/packer-debian.vbox');
    expect(info.get('Forwarding(0)')).toBe('packercomm,tcp,127.0.0.1,2813,,22');
    expect(info.has('Encryption:     disabled')).toBe(false);
  });

  it('reads list hostonlyifs into interfaces with address, mask, status and DHCP', () => {
    expect(parseHostOnlyInterfaces(fixture('hostonlyifs.txt'))).toEqual([
      { name: 'vboxnet0', ipAddress: '192.168.56.1', networkMask: '255.255.255.0', status: 'Up', dhcp: false },
      { name: 'vboxnet1', ipAddress: '192.168.57.1', networkMask: '255.255.255.0', status: 'Down', dhcp: true },
    ]);
    expect(parseHostOnlyInterfaces('')).toEqual([]);
  });
});

describe('boot_command as PC scancodes', () => {
  it('sends make and break codes, shift for capitals, e0 for extended keys, and pauses for <wait>', () => {
    expect(toScancodes(parseBootCommand('A<wait2><up><leftCtrlOn>c<leftCtrlOff>'))).toEqual([
      { kind: 'codes', codes: ['2a', '1e', '9e', 'aa'] },
      { kind: 'wait', ms: 2000 },
      { kind: 'codes', codes: ['e0', '48', 'e0', 'c8', '1d', '2e', 'ae', '9d'] },
    ]);
  });

  it('splits long text into short batches without splitting a key', () => {
    const batches = toScancodes(parseBootCommand('x'.repeat(40)), 32);
    expect(batches.map((b) => (b.kind === 'codes' ? b.codes.length : 0))).toEqual([32, 32, 16]);
  });
});
