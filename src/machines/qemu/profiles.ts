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

export type VmwareAdapter = 'lsilogic' | 'lsisas1068' | 'buslogic' | 'pvscsi' | 'sata' | 'nvme' | 'ide';

/**
 * VMware's disk adapters as QEMU presents them, and why when the part is not the same:
 * QEMU has PVSCSI, AHCI, NVMe and PIIX IDE as VMware has them, but no LSI 53C1030, no
 * working LSI SAS 1068 (Linux sees no disk behind QEMU's model) and no BusLogic; the LSI
 * 53C895A stands in for those three, so the guest needs its driver (sym53c8xx) too.
 */
const VMWARE_DISKS: Record<VmwareAdapter, { disk: DiskInterface; nearest?: string }> = {
  lsilogic: { disk: 'lsi', nearest: 'QEMU has no LSI 53C1030; the LSI 53C895A is used' },
  lsisas1068: { disk: 'lsi', nearest: "QEMU's LSI SAS 1068 shows Linux no disk; the LSI 53C895A is used" },
  buslogic: { disk: 'lsi', nearest: 'QEMU has no BusLogic adapter; the LSI 53C895A is used' },
  pvscsi: { disk: 'pvscsi' },
  sata: { disk: 'sata' },
  nvme: { disk: 'nvme' },
  ide: { disk: 'ide' },
};

/** When the VMware-like profile uses a nearer QEMU part than the adapter VMware has, why; else undefined. */
export function vmwareNearestDevice(adapter: VmwareAdapter): string | undefined {
  return VMWARE_DISKS[adapter].nearest;
}

/**
 * The VMware-like profile: the NIC is the same chip (e1000, e1000e, vmxnet3) and the disk
 * adapter the same or the nearest QEMU has, on the i440FX machine VMware's 440BX resembles.
 */
export function vmwareProfile(hw: {
  adapter: VmwareAdapter;
  nic: 'e1000' | 'e1000e' | 'vmxnet3' | undefined;
}): HardwareProfile {
  return { machineType: 'pc', diskInterface: VMWARE_DISKS[hw.adapter].disk, netDevice: hw.nic ?? 'e1000' };
}
