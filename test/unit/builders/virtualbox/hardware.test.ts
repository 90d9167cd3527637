import { describe, expect, it } from 'vitest';
import { applianceDescriptionFor, qemuHardwareFor } from '../../../../src/builders/virtualbox/hardware.js';
import type { OvfMachine } from '../../../../src/formats/ovf.js';
import type { VirtualBoxHardware } from '../../../../src/machines/vboxmanage/driver.js';

const template: VirtualBoxHardware = {
  guestOsType: 'Debian_64',
  diskSizeBytes: 2 ** 31,
  hardDriveInterface: 'sata',
  sataPortCount: 1,
  isoInterface: 'ide',
  nicType: '82545EM',
  chipset: 'piix3',
  firmware: 'bios',
  memoryMb: 1024,
  cpus: 2,
};
const appliance: OvfMachine = {
  name: 'base',
  osType: 'Ubuntu_64',
  cpus: 4,
  memoryMb: 2048,
  controller: 'nvme',
  nic: 'PCNet32',
  disks: [{ file: 'base-disk001.vmdk', capacityBytes: 1, fileBytes: 1 }],
};

describe('VirtualBox hardware under the qemu driver', () => {
  it('runs virtualbox-iso on the hardware the template sets, and describes it so in the OVF', () => {
    expect(qemuHardwareFor(template, undefined)).toEqual({
      machineType: 'pc',
      diskInterface: 'sata',
      netDevice: 'e1000',
      memoryMb: 1024,
      cpus: 2,
    });
    expect(applianceDescriptionFor(template, undefined)).toEqual({
      osType: 'Debian_64',
      controller: 'sata',
      nic: 'E1000',
    });
  });

  it('runs virtualbox-ovf on the hardware its appliance describes, and keeps that description', () => {
    expect(qemuHardwareFor(undefined, appliance)).toEqual({
      machineType: 'pc',
      diskInterface: 'nvme',
      netDevice: 'pcnet',
      memoryMb: 2048,
      cpus: 4,
    });
    expect(applianceDescriptionFor(undefined, appliance)).toEqual({
      osType: 'Ubuntu_64',
      controller: 'nvme',
      nic: 'PCNet32',
    });
  });
});
