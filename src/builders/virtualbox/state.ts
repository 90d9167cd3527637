import type { OvfMachine } from '../../formats/ovf.js';
import type { VBoxManage } from '../../machines/vboxmanage/vboxmanage.js';
import type { QemuState } from '../qemu/state.js';

/** What the VirtualBox builders' steps hand each other; each field is set by one step. */
export interface VirtualBoxState extends QemuState {
  /** VBoxManage, when the vboxmanage driver runs the build. */
  vbox?: VBoxManage;
  /** VirtualBox's version, when VirtualBox runs the build. */
  version?: string;
  /** The machine described by the source OVF (virtualbox-ovf). */
  appliance?: OvfMachine;
  /** Where an .ova was unpacked. */
  unpackDir?: string;
  /** True while VirtualBox has the machine registered. */
  registered?: boolean;
  /** Devices attached for the build only (the ISO, guest additions), detached before export. */
  buildDevices?: { controller: string; port: number; device: number }[];
  /** The guest additions ISO, when the build uses one. */
  guestAdditionsIso?: string;
  /** The exported files. */
  exported?: string[];
}
