import type { DiskController, NicType, OvfMachine } from '../../formats/ovf.js';
import type { QemuHardware } from '../../machines/qemu/driver.js';
import type { ApplianceDescription } from '../../machines/qemu/export-ovf.js';
import { virtualBoxProfile, type VirtualBoxController } from '../../machines/qemu/profiles.js';
import type { VirtualBoxHardware } from '../../machines/vboxmanage/driver.js';

/** VirtualBox NIC types as the OVF names their chips, and back. */
const NIC_OF_TYPE: Record<string, NicType> = {
  '82540EM': 'E1000',
  '82543GC': 'E1000',
  '82545EM': 'E1000',
  Am79C970A: 'PCNet32',
  Am79C973: 'PCNet32',
  virtio: 'virtio',
};
const NIC_TYPE_OF: Record<NicType, string> = { E1000: '82540EM', PCNet32: 'Am79C973', virtio: 'virtio' };
const CONTROLLER_OF: Record<VirtualBoxController, DiskController> = {
  ide: 'ide',
  sata: 'sata',
  scsi: 'scsi',
  pcie: 'nvme',
  virtio: 'virtio',
};
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
