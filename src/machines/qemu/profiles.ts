import type { DiskInterface } from './machine.js';

/** The QEMU devices that present a platform's hardware to the guest. */
export interface HardwareProfile {
  machineType: string;
  diskInterface: DiskInterface;
  netDevice: string;
}

export type VirtualBoxController = 'ide' | 'sata' | 'scsi' | 'pcie' | 'virtio';

/** VirtualBox NIC types to the QEMU device with the same chip (and so the same guest driver). */
const VBOX_NICS: Record<string, string> = {
  '82540EM': 'e1000',
  '82543GC': 'e1000',
  '82545EM': 'e1000',
  Am79C970A: 'pcnet',
  Am79C973: 'pcnet',
  virtio: 'virtio-net-pci',
};

// PIIX IDE, ICH AHCI, NVMe and virtio-scsi are the same chips in both; VirtualBox's LsiLogic
// (53C1030) has no QEMU model, and the LSI 53C895A is the nearest LSI part QEMU has.
const VBOX_DISKS: Record<VirtualBoxController, DiskInterface> = {
  ide: 'ide',
  sata: 'sata',
  scsi: 'lsi',
  pcie: 'nvme',
  virtio: 'virtio-scsi',
};

/**
 * The VirtualBox-like profile: the guest meets an e1000 NIC and a PIIX/AHCI disk as it will
 * under VirtualBox, so its initramfs and network configuration fit the machine it ships to.
 */
export function virtualBoxProfile(hw: {
  controller: VirtualBoxController;
  nicType: string;
  chipset: 'piix3' | 'ich9';
}): HardwareProfile {
  return {
    machineType: hw.chipset === 'ich9' ? 'q35' : 'pc',
    diskInterface: VBOX_DISKS[hw.controller],
    netDevice: VBOX_NICS[hw.nicType] ?? 'e1000',
  };
}
