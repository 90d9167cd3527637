import { describe, expect, it } from 'vitest';
import { parseOvf, renderOvf, type OvfMachine } from '../../../src/formats/ovf.js';

const machine: OvfMachine = {
  name: 'uefi-box',
  osType: 'Debian_64',
  cpus: 1,
  memoryMb: 1024,
  controller: 'sata',
  nic: 'E1000',
  disks: [{ file: 'uefi-box-disk001.vmdk', capacityBytes: 2 ** 30, fileBytes: 1000 }],
};

describe('the firmware an OVF names', () => {
  it('writes UEFI as the firmware key of the virtual hardware, and reads it back', () => {
    const xml = renderOvf({ ...machine, firmware: 'efi' });
    expect(xml).toContain('<vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>');
    expect(parseOvf(xml).firmware).toBe('efi');
  });

  it('says nothing of firmware for a BIOS machine', () => {
    const xml = renderOvf(machine);
    expect(xml).not.toContain('firmware');
    expect(parseOvf(xml)).toEqual({ ...machine, disks: [{ ...machine.disks[0], fileBytes: 0 }] });
  });
});
