import {
  acceleratorOption,
  diskSizeOption,
  prepareAccelerator,
  prepareDiskSize,
  prepareSize,
  sizeOptions,
} from '../../config/hardware.js';
import { bootOptions, prepareBoot } from '../../config/boot.js';
import { headlessOption, prepareConsole, vncOptions } from '../../config/console.js';
import { prepareQemuFirmware, qemuFirmwareOptions } from '../../config/firmware.js';
import { guestAccessOptions, prepareGuestAccess } from '../../config/guest-access.js';
import { httpOptions, prepareHttp } from '../../config/http.js';
import { cdOptions, floppyOptions, prepareCd, prepareFloppy } from '../../config/media.js';
import { outputOptions, prepareOutput } from '../../config/output.js';
import { prepareShutdown, shutdownOptions } from '../../config/shutdown.js';
import { isoOptions, prepareIso } from '../../config/source.js';
import type { PrepareContext } from '../../core/plugin.js';
import type { AcceleratorSetting } from '../../machines/qemu/accelerator.js';
import type { DiskPlan, QemuHardware } from '../../machines/qemu/driver.js';
import type { Firmware } from '../../machines/qemu/firmware.js';
import type { DiskInterface } from '../../machines/qemu/machine.js';
import type { VncConfig } from '../../config/console.js';
import type { LocalVmSettings } from '../../steps/local-vm.js';

/** The qemu builder: the local-VM pipeline on QEMU's own (virtio) hardware, exporting qcow2 or raw. */
export interface QemuConfig extends LocalVmSettings {
  accelerator: AcceleratorSetting;
  hardware: QemuHardware;
  disk: DiskPlan<never>;
  format: 'qcow2' | 'raw';
  diskCompression: boolean;
  skipCompaction: boolean;
  qemuArgs: string[][];
  /** A VNC console; on unless headless, or when a vnc_* option asks for it. */
  vnc: VncConfig | undefined;
  firmware: Firmware;
  /** Leave the UEFI variable store (efivars.fd) out of the output. */
  efiDropVars: boolean;
}

const NET_DEVICES: Record<string, string> = {
  'virtio-net': 'virtio-net-pci',
  virtio: 'virtio-net-pci',
  e1000: 'e1000',
  e1000e: 'e1000e',
  vmxnet3: 'vmxnet3',
  rtl8139: 'rtl8139',
  i82551: 'i82551',
  ne2k_pci: 'ne2k_pci',
  'virtio-net-pci': 'virtio-net-pci',
};
const DISK_INTERFACES: DiskInterface[] = ['virtio', 'ide', 'sata', 'scsi', 'virtio-scsi', 'pvscsi', 'lsi', 'nvme'];

/** Packer's qemu options: the shared fragments and what only QEMU has. */
export const qemuSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...isoOptions,
    ...outputOptions,
    ...sizeOptions,
    ...diskSizeOption(),
    ...acceleratorOption,
    ...bootOptions,
    ...httpOptions,
    ...floppyOptions,
    ...cdOptions,
    ...shutdownOptions,
    ...headlessOption,
    ...vncOptions,
    ...qemuFirmwareOptions,
    ...guestAccessOptions,
    disk_image: { type: 'boolean', default: false },
    use_backing_file: { type: 'boolean', default: false },
    disk_interface: { type: 'string', enum: DISK_INTERFACES, default: 'virtio' },
    net_device: { type: 'string', enum: Object.keys(NET_DEVICES), default: 'virtio-net' },
    format: { type: 'string', enum: ['qcow2', 'raw'], default: 'qcow2' },
    disk_compression: { type: 'boolean', default: false },
    skip_compaction: { type: 'boolean', default: false },
    machine_type: { type: 'string', default: 'pc' },
    qemuargs: { type: 'array', items: { type: 'array', items: { type: 'string' } }, default: [] },
  },
};

/** Packer's default disk for an installer build: 40960 MB. */
const DEFAULT_DISK_BYTES = 40960 * 1024 * 1024;

export function prepareQemu(o: Record<string, unknown>, ctx: PrepareContext): QemuConfig {
  const p = ctx.problems;
  const diskImage = o.disk_image as boolean;
  const source = prepareIso(o, p, 'the installer ISO, or with "disk_image": true a disk image to start from');
  const diskSize = prepareDiskSize(o, p);
  if (o.use_backing_file && !diskImage) p.error(['use_backing_file'], '"use_backing_file" needs "disk_image": true');
  if (o.use_backing_file && o.format === 'raw') p.error(['use_backing_file'], 'a backing file needs "format": "qcow2"');
  const disk: DiskPlan<never> = diskImage
    ? { kind: 'image', backingFile: o.use_backing_file as boolean, growTo: diskSize }
    : { kind: 'blank', bytes: diskSize ?? DEFAULT_DISK_BYTES };
  return {
    output: prepareOutput(o, ctx.buildName),
    source,
    sourceOption: 'iso_url',
    installer: !diskImage,
    floppy: prepareFloppy(o, p),
    cd: prepareCd(o, p),
    http: prepareHttp(o, p),
    boot: prepareBoot(o, p),
    access: prepareGuestAccess(o, p),
    forwardSsh: true,
    shutdown: prepareShutdown(o),
    accelerator: prepareAccelerator(o),
    hardware: {
      ...prepareSize(o),
      machineType: o.machine_type as string,
      diskInterface: o.disk_interface as DiskInterface,
      netDevice: NET_DEVICES[o.net_device as string]!,
    },
    disk,
    format: o.format as 'qcow2' | 'raw',
    diskCompression: o.disk_compression as boolean,
    skipCompaction: o.skip_compaction as boolean,
    qemuArgs: o.qemuargs as string[][],
    vnc: prepareConsole(o, p).vnc,
    firmware: prepareQemuFirmware(o, p),
    efiDropVars: o.efi_drop_efivars as boolean,
  };
}
