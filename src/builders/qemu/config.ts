import {
  acceleratorOption,
  diskSizeOption,
  prepareAccelerator,
  prepareDiskSize,
  prepareSize,
  sizeOptions,
} from '../../config/hardware.js';
import { bootOptions } from '../../config/boot.js';
import { headlessOption, prepareConsole, vncOptions } from '../../config/console.js';
import { prepareQemuFirmware, qemuFirmwareOptions } from '../../config/firmware.js';
import { guestAccessOptions } from '../../config/guest-access.js';
import { httpOptions } from '../../config/http.js';
import { cdOptions, floppyOptions } from '../../config/media.js';
import { outputOptions } from '../../config/output.js';
import { shutdownOptions } from '../../config/shutdown.js';
import { isoOptions, prepareIso } from '../../config/source.js';
import { prepareSession } from '../../config/local-vm.js';
import type { PrepareContext } from '../../core/plugin.js';
import type { AcceleratorSetting } from '../../machines/qemu/accelerator.js';
import type { DiskPlan, QemuHardware } from '../../machines/qemu/driver.js';
import type { Firmware } from '../../machines/qemu/firmware.js';
import type { DiskInterface, DriveOptions } from '../../machines/qemu/machine.js';
import type { VncConfig } from '../../config/console.js';
import type { LocalVmSettings } from '../../steps/local-vm.js';
import { catalogueSchema, checkCatalogue, type OptionCatalogue } from '../../core/option-catalogue.js';

/** The qemu builder: the local-VM pipeline on QEMU's own (virtio) hardware, exporting qcow2 or raw. */
export interface QemuConfig extends LocalVmSettings {
  accelerator: AcceleratorSetting;
  hardware: QemuHardware;
  disk: DiskPlan<never>;
  format: 'qcow2' | 'raw';
  diskCompression: boolean;
  skipCompaction: boolean;
  qemuArgs: string[][];
  qemuBinary: string;
  drive: DriveOptions;
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

/** Packer 1.6's qemu options that boxwright refuses for now or that make no difference here. */
const QEMU_CATALOGUE: OptionCatalogue = {
  notYet: {
    skip_nat_mapping: {
      why: 'the guest is reached through its SSH port forwarded to 127.0.0.1',
      instead: 'remove it',
    },
    qemu_img_args: { why: 'qemu-img is run with arguments of its own', instead: 'remove it' },
    cdrom_interface: {
      why: "CDs are attached by QEMU's machine type (IDE, or AHCI on q35)",
      instead: 'remove it; the guest finds the CD on either',
    },
  },
  ignored: {
    run_once: 'Packer 1.6 marks it for removal, and it has no effect there either',
    qmp_socket_path: 'boxwright always drives QEMU through QMP, on a socket of its own',
  },
};

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
    qemu_binary: { type: 'string', minLength: 1, default: 'qemu-system-x86_64' },
    disk_cache: {
      type: 'string',
      enum: ['writethrough', 'writeback', 'none', 'unsafe', 'directsync'],
      default: 'writeback',
    },
    disk_discard: { type: 'string', enum: ['unmap', 'ignore'], default: 'unmap' },
    disk_detect_zeroes: { type: 'string', enum: ['unmap', 'on', 'off'], default: 'off' },
    skip_resize_disk: { type: 'boolean', default: false },
    disk_additional_size: { type: 'array', items: { type: ['string', 'integer'] } },
    use_default_display: { type: 'boolean' },
    display: { type: 'string' },
    qmp_enable: { type: 'boolean' },
    qmp_socket: { type: 'string' },
    net_bridge: { type: 'string' },
    iso_skip_cache: { type: 'boolean' },
    ...catalogueSchema(QEMU_CATALOGUE),
  },
};

/** Packer's default disk for an installer build: 40960 MB. */
const DEFAULT_DISK_BYTES = 40960 * 1024 * 1024;

export function prepareQemu(o: Record<string, unknown>, ctx: PrepareContext): QemuConfig {
  const p = ctx.problems;
  checkCatalogue(o, p, QEMU_CATALOGUE);
  const diskImage = o.disk_image as boolean;
  const source = prepareIso(o, p, 'the installer ISO, or with "disk_image": true a disk image to start from');
  const diskSize = prepareDiskSize(o, p);
  if (o.use_backing_file && !diskImage) p.error(['use_backing_file'], '"use_backing_file" needs "disk_image": true');
  if (o.use_backing_file && o.format === 'raw') p.error(['use_backing_file'], 'a backing file needs "format": "qcow2"');
  for (const key of ['use_default_display', 'display'])
    if (o[key] !== undefined)
      p.warn([key], `"${key}" is ignored: boxwright shows the console on VNC (headless false), not in a window`);
  if (o.qmp_enable !== undefined || o.qmp_socket !== undefined)
    p.warn(
      [o.qmp_socket !== undefined ? 'qmp_socket' : 'qmp_enable'],
      'boxwright always drives QEMU through QMP, on a socket of its own; the QMP options are ignored',
    );
  if (o.iso_skip_cache !== undefined)
    p.warn(
      ['iso_skip_cache'],
      '"iso_skip_cache" is ignored: local files are used in place, downloads go to the shared cache',
    );
  if (o.net_bridge !== undefined)
    p.error(
      ['net_bridge'],
      '"net_bridge" is not supported by boxwright yet: guests are reached through user networking on 127.0.0.1',
      'remove it; provisioners reach the guest through the forwarded SSH port',
    );
  if (o.disk_additional_size !== undefined)
    p.error(
      ['disk_additional_size'],
      '"disk_additional_size" is not supported by boxwright yet',
      'build with one disk and add others in the guest, or remove it',
    );
  const disk: DiskPlan<never> = diskImage
    ? { kind: 'image', backingFile: o.use_backing_file as boolean, growTo: o.skip_resize_disk ? undefined : diskSize }
    : { kind: 'blank', bytes: diskSize ?? DEFAULT_DISK_BYTES };
  return {
    ...prepareSession(o, ctx, { cd: true, forwardSsh: true }),
    source,
    sourceOption: 'iso_url',
    installer: !diskImage,
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
    qemuBinary: o.qemu_binary as string,
    drive: {
      cache: o.disk_cache as string,
      discard: o.disk_discard as string,
      detectZeroes: o.disk_detect_zeroes as string,
    },
    vnc: prepareConsole(o, p).vnc,
    firmware: prepareQemuFirmware(o, p),
    efiDropVars: o.efi_drop_efivars as boolean,
  };
}
