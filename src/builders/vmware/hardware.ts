import type { VmxMachine } from '../../formats/vmx.js';
import type { QemuHardware } from '../../machines/qemu/driver.js';
import type { VmxDescription } from '../../machines/qemu/export-vmx.js';
import { vmwareProfile } from '../../machines/qemu/profiles.js';
import type { VmwareHardware } from './config.js';

/** The QEMU hardware for a VMware machine: the template's (vmware-iso) or the source .vmx's (vmware-vmx). */
export function qemuHardwareFor(hw: VmwareHardware | undefined, source: VmxMachine | undefined): QemuHardware {
  if (source)
    return {
      ...vmwareProfile({ adapter: source.adapter, nic: source.nic }),
      memoryMb: source.memoryMb,
      cpus: source.cpus,
    };
  return {
    ...vmwareProfile({ adapter: hw?.adapter ?? 'lsilogic', nic: hw?.nic }),
    memoryMb: hw?.memoryMb ?? 512,
    cpus: hw?.cpus ?? 1,
  };
}

/** What the output .vmx says of the machine: as the template set it, or as the source .vmx did. */
export function vmxDescriptionFor(hw: VmwareHardware | undefined, source: VmxMachine | undefined): VmxDescription {
  if (source) {
    const { name: _n, memoryMb: _m, cpus: _c, diskFile: _d, ...rest } = source;
    return rest;
  }
  return {
    guestOs: hw?.guestOsType ?? 'other',
    cores: hw?.cores,
    hardwareVersion: hw?.hardwareVersion ?? 9,
    firmware: hw?.firmware ?? 'bios',
    adapter: hw?.adapter ?? 'lsilogic',
    nic: hw?.nic ?? 'e1000',
    network: hw?.network ?? 'nat',
  };
}
