import {
  OVF_CONTROLLER_OF_VIRTUALBOX,
  OVF_NIC_OF_VIRTUALBOX_TYPE,
  type DiskController,
  type NicType,
  type OvfMachine,
} from '../../formats/ovf.js';
import type { QemuHardware } from '../../machines/qemu/driver.js';
import type { ApplianceDescription } from '../../machines/qemu/export-ovf.js';
import { virtualBoxProfile, type VirtualBoxController } from '../../machines/qemu/profiles.js';
import type { VirtualBoxHardware } from '../../machines/vboxmanage/driver.js';

const NIC_OF_TYPE = OVF_NIC_OF_VIRTUALBOX_TYPE;
const NIC_TYPE_OF: Record<NicType, string> = { E1000: '82540EM', PCNet32: 'Am79C973', virtio: 'virtio' };
const CONTROLLER_OF = OVF_CONTROLLER_OF_VIRTUALBOX;
const VBOX_CONTROLLER: Record<DiskController, VirtualBoxController> = {
  ide: 'ide',
  sata: 'sata',
  scsi: 'scsi',
  nvme: 'pcie',
  virtio: 'virtio',
};

/** The QEMU hardware for a VirtualBox machine: the template's (virtualbox-iso) or the appliance's (virtualbox-ovf). */
export function qemuHardwareFor(hw: VirtualBoxHardware | undefined, appliance: OvfMachine | undefined): QemuHardware {
  if (appliance) {
    const profile = virtualBoxProfile({
      controller: VBOX_CONTROLLER[appliance.controller],
      nicType: NIC_TYPE_OF[appliance.nic],
      chipset: 'piix3',
    });
    return { ...profile, memoryMb: appliance.memoryMb || 512, cpus: appliance.cpus || 1 };
  }
  const profile = virtualBoxProfile({
    controller: hw?.hardDriveInterface ?? 'sata',
    nicType: hw?.nicType ?? '82540EM',
    chipset: hw?.chipset ?? 'piix3',
  });
  return { ...profile, memoryMb: hw?.memoryMb ?? 512, cpus: hw?.cpus ?? 1 };
}

/** What the exported OVF says of the machine: as the template set it, or as the source appliance did. */
export function applianceDescriptionFor(
  hw: VirtualBoxHardware | undefined,
  appliance: OvfMachine | undefined,
): ApplianceDescription {
  if (appliance) return { osType: appliance.osType || 'Other', controller: appliance.controller, nic: appliance.nic };
  return {
    osType: hw?.guestOsType ?? 'Other',
    controller: CONTROLLER_OF[hw?.hardDriveInterface ?? 'sata'],
    nic: NIC_OF_TYPE[hw?.nicType ?? '82540EM'] ?? 'E1000',
  };
}
