import { describe, expect, it } from 'vitest';
import { vsphereGuestId } from '../../../src/formats/ovf.js';
import { encodeVmx, machineFromVmx, parseVmx, vmxFor, type VmxMachine } from '../../../src/formats/vmx.js';

const machine: VmxMachine = {
  name: 'devbox',
  guestOs: 'debian11-64',
  memoryMb: 2048,
  cpus: 2,
  cores: 1,
  hardwareVersion: 19,
  firmware: 'efi',
  adapter: 'pvscsi',
  diskFile: 'disk.vmdk',
  nic: 'vmxnet3',
  network: 'nat',
};

describe('VMX files', () => {
  it('are written as Packer writes them: lower-cased sorted keys, every value quoted, no comments', () => {
    const text = encodeVmx(vmxFor(machine, { vmxData: { 'RemoteDisplay.vnc.enabled': 'FALSE' } }));
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('.encoding = "UTF-8"');
    expect(lines.every((l) => /^[a-z0-9.:_]+ = "[^"]*"$/.test(l))).toBe(true);
    expect([...lines].sort()).toEqual(lines);
    expect(lines).toContain('remotedisplay.vnc.enabled = "FALSE"');
    expect(lines).toContain('scsi0.virtualdev = "pvscsi"');
    expect(lines).toContain('firmware = "efi"');
  });

  it('read back to the same machine, whatever the case of the keys', () => {
    expect(machineFromVmx(parseVmx(encodeVmx(vmxFor(machine))))).toEqual(machine);
    expect(
      machineFromVmx(parseVmx('DisplayName = "x"\nSATA0:0.Present = "TRUE"\nsata0:0.fileName = "x.vmdk"\n')),
    ).toMatchObject({ name: 'x', adapter: 'sata', diskFile: 'x.vmdk', nic: undefined });
  });

  it('drop every network adapter with vmx_remove_ethernet_interfaces', () => {
    expect([...vmxFor(machine, { removeEthernet: true }).keys()].filter((k) => k.startsWith('ethernet'))).toEqual([]);
  });

  it('refuse a .vmx that names no disk, saying so', () => {
    expect(() => machineFromVmx(parseVmx('displayname = "x"\n'))).toThrow(/names no disk/);
  });

  it('name the guest in OVF with the vSphere id', () => {
    expect(
      ['debian11-64', 'ubuntu-64', 'otherlinux-64', 'other3xlinux-64', 'other-64', 'other'].map(vsphereGuestId),
    ).toEqual([
      'debian11_64Guest',
      'ubuntu64Guest',
      'otherLinux64Guest',
      'other3xLinux64Guest',
      'otherGuest64',
      'otherGuest',
    ]);
  });
});
