import { bootOptions } from '../../config/boot.js';
import { headlessOption, prepareConsole } from '../../config/console.js';
import { guestAccessOptions } from '../../config/guest-access.js';
import {
  acceleratorOption,
  diskSizeOption,
  prepareAccelerator,
  prepareDiskSize,
  prepareSize,
  sizeOptions,
} from '../../config/hardware.js';
import { httpOptions } from '../../config/http.js';
import { floppyOptions } from '../../config/media.js';
import { outputOptions } from '../../config/output.js';
import { shutdownOptions } from '../../config/shutdown.js';
import { isoOptions, prepareChecksum, prepareIso } from '../../config/source.js';
import { prepareSession } from '../../config/local-vm.js';
import type { PrepareContext } from '../../core/plugin.js';
import type { AcceleratorSetting } from '../../machines/qemu/accelerator.js';
import type { HardDriveInterface, VBoxManageSettings, VirtualBoxHardware } from '../../machines/vboxmanage/driver.js';
import type { LocalVmSettings } from '../../steps/local-vm.js';
import { diskAttachFlags, modifyvmFlags, nativeOnlySet, nativeOptions } from './native-options.js';
import { catalogueSchema, checkCatalogue, type OptionCatalogue } from '../../core/option-catalogue.js';

export type DriverSetting = 'auto' | 'vboxmanage' | 'qemu';
export type GuestAdditionsMode = 'upload' | 'attach' | 'disable';

export interface GuestAdditionsConfig {
  mode: GuestAdditionsMode;
  path: string;
  url: string | undefined;
  sha256: string | undefined;
}

/** virtualbox-iso and virtualbox-ovf: the local-VM pipeline plus what is VirtualBox's own. */
export interface VirtualBoxConfig extends LocalVmSettings {
  builderType: 'virtualbox-iso' | 'virtualbox-ovf';
  driver: DriverSetting;
  accelerator: AcceleratorSetting;
  /** The hardware virtualbox-iso sets; virtualbox-ovf takes it from the appliance. */
  hardware: VirtualBoxHardware | undefined;
  headless: boolean;
  format: 'ovf' | 'ova';
  skipExport: boolean;
  guestAdditions: GuestAdditionsConfig;
  versionFile: string;
  /** What only VBoxManage applies. */
  native: VBoxManageSettings;
  /** Options the template set that only VirtualBox itself can apply; the qemu driver says it ignores them. */
  nativeOnly: string[];
}

/** VirtualBox's NIC types (modifyvm --nictype). */
export const NIC_TYPES = ['82540EM', '82543GC', '82545EM', 'Am79C970A', 'Am79C973', 'virtio'];

const NO_CD = {
  why: 'extra CDs are made only for the qemu and VMware builders',
  instead: 'use floppy_files, http_directory or a file provisioner',
};

/** Packer 1.6's VirtualBox options that boxwright refuses for now or that make no difference here. */
const VIRTUALBOX_CATALOGUE: OptionCatalogue = {
  notYet: {
    cd_files: NO_CD,
    cd_label: NO_CD,
    output_filename: { why: 'the appliance is named after vm_name', instead: 'set vm_name' },
    disable_shutdown: {
      why: 'boxwright always stops the machine itself before exporting it',
      instead: 'use shutdown_command',
    },
    acpi_shutdown: { why: 'the machine is stopped with shutdown_command', instead: 'use shutdown_command' },
    bundle_iso: {
      why: 'the installer ISO is not put into the exported appliance',
      instead: 'remove it, or copy the ISO beside the appliance in a post-processor',
    },
  },
  ignored: {
    sound: 'the build machine has no sound device',
    nvme_port_count: 'an NVMe controller gets a port for each of its disks',
    target_path: 'downloads go to the shared cache',
  },
};

const commonOptions = {
  ...outputOptions,
  ...bootOptions,
  ...httpOptions,
  ...floppyOptions,
  ...shutdownOptions,
  ...headlessOption,
  ...acceleratorOption,
  ...guestAccessOptions,
  ...nativeOptions,
  driver: {
    type: 'string',
    enum: ['auto', 'vboxmanage', 'qemu'],
    default: 'auto',
    description: 'which machine runs the build: VirtualBox itself, or QEMU with VirtualBox-like hardware',
  },
  format: { type: 'string', enum: ['ovf', 'ova'], default: 'ovf' },
  guest_additions_mode: { type: 'string', enum: ['upload', 'attach', 'disable'], default: 'upload' },
  guest_additions_path: { type: 'string', minLength: 1, default: 'VBoxGuestAdditions.iso' },
  guest_additions_url: { type: 'string', minLength: 1 },
  guest_additions_sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
  guest_additions_interface: { type: 'string', enum: ['ide', 'sata'] },
  virtualbox_version_file: { type: 'string', default: '.vbox_version' },
  skip_export: { type: 'boolean', default: false },
  skip_nat_mapping: { type: 'boolean', default: false },
  // Packer 1.6's other name for it.
  ssh_skip_nat_mapping: { type: 'boolean', default: false },
  ...catalogueSchema(VIRTUALBOX_CATALOGUE),
};

export const virtualBoxIsoSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonOptions,
    ...isoOptions,
    ...sizeOptions,
    ...diskSizeOption(40000),
    iso_interface: { type: 'string', enum: ['ide', 'sata'], default: 'ide' },
    guest_os_type: { type: 'string', minLength: 1, default: 'Other' },
    hard_drive_interface: { type: 'string', enum: ['ide', 'sata', 'scsi', 'pcie', 'nvme', 'virtio'], default: 'ide' },
    hard_drive_nonrotational: { type: 'boolean' },
    hard_drive_discard: { type: 'boolean' },
    sata_port_count: { type: 'integer', minimum: 1, maximum: 30, default: 1 },
    nic_type: { type: 'string', enum: NIC_TYPES, default: '82540EM' },
    chipset: { type: 'string', enum: ['piix3', 'ich9'], default: 'piix3' },
    firmware: { type: 'string', enum: ['bios', 'efi'], default: 'bios' },
  },
};

export const virtualBoxOvfSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonOptions,
    source_path: { type: 'string', minLength: 1, description: 'the .ovf or .ova to start from' },
    checksum: { type: 'string', minLength: 1, description: '"sha256:…" or "none"' },
    checksum_type: { type: 'string' },
    import_flags: { type: 'array', items: { type: 'string' }, default: [] },
    import_opts: { type: 'string', default: '' },
  },
};

type Common = Omit<
  VirtualBoxConfig,
  'builderType' | 'source' | 'sourceOption' | 'installer' | 'hardware' | 'native'
> & { native: Omit<VBoxManageSettings, 'creation'> };

function prepareCommon(o: Record<string, unknown>, ctx: PrepareContext): Common {
  const p = ctx.problems;
  checkCatalogue(o, p, VIRTUALBOX_CATALOGUE);
  for (const key of ['vboxmanage', 'vboxmanage_post'] as const) {
    (o[key] as string[][]).forEach((command, i) => {
      if (command.length === 0)
        p.error(
          [key, i],
          'an empty VBoxManage command',
          'write the command as a list, for example ["modifyvm", "{{.Name}}", "--memory", "1024"]',
        );
    });
  }
  if (
    o.guest_additions_mode !== 'disable' &&
    o.guest_additions_sha256 !== undefined &&
    o.guest_additions_url === undefined
  )
    p.warn(['guest_additions_sha256'], '"guest_additions_sha256" checks only a download from "guest_additions_url"');
  const { headless } = prepareConsole(o, p);
  return {
    ...prepareSession(o, ctx, { cd: false, forwardSsh: !(o.skip_nat_mapping || o.ssh_skip_nat_mapping) }),
    driver: o.driver as DriverSetting,
    accelerator: prepareAccelerator(o),
    headless,
    format: o.format as 'ovf' | 'ova',
    skipExport: o.skip_export as boolean,
    guestAdditions: {
      mode: o.guest_additions_mode as GuestAdditionsMode,
      path: o.guest_additions_path as string,
      url: o.guest_additions_url as string | undefined,
      sha256: (o.guest_additions_sha256 as string | undefined)?.toLowerCase(),
    },
    versionFile: o.virtualbox_version_file as string,
    native: {
      vboxmanage: o.vboxmanage as string[][],
      vboxmanagePost: o.vboxmanage_post as string[][],
      headless,
      format: o.format as 'ovf' | 'ova',
      exportOpts: o.export_opts as string[],
      keepRegistered: o.keep_registered as boolean,
      skipExport: o.skip_export as boolean,
    },
    nativeOnly: nativeOnlySet(o),
  };
}

export function prepareVirtualBoxIso(o: Record<string, unknown>, ctx: PrepareContext): VirtualBoxConfig {
  const p = ctx.problems;
  const source = prepareIso(o, p, 'the installer ISO to boot, as a path or URL');
  const hardware: VirtualBoxHardware = {
    guestOsType: o.guest_os_type as string,
    diskSizeBytes: prepareDiskSize(o, p) ?? 0,
    hardDriveInterface: o.hard_drive_interface === 'nvme' ? 'pcie' : (o.hard_drive_interface as HardDriveInterface),
    sataPortCount: o.sata_port_count as number,
    isoInterface: o.iso_interface as 'ide' | 'sata',
    nicType: o.nic_type as string,
    chipset: o.chipset as 'piix3' | 'ich9',
    firmware: o.firmware as 'bios' | 'efi',
    ...prepareSize(o),
  };
  const common = prepareCommon(o, ctx);
  return {
    builderType: 'virtualbox-iso',
    source,
    sourceOption: 'iso_url',
    installer: true,
    hardware,
    ...common,
    native: {
      ...common.native,
      creation: { kind: 'create', hardware, modifyvm: modifyvmFlags(o), diskAttachFlags: diskAttachFlags(o) },
    },
  };
}

export function prepareVirtualBoxOvf(o: Record<string, unknown>, ctx: PrepareContext): VirtualBoxConfig {
  const p = ctx.problems;
  const sourcePath = o.source_path as string | undefined;
  if (sourcePath === undefined) p.error([], 'missing required option "source_path"', 'the .ovf or .ova to start from');
  else if (!/\.(ovf|ova)$/i.test(sourcePath.split('?')[0]!))
    p.error(
      ['source_path'],
      `"${sourcePath}" is not an .ovf or .ova file`,
      'point source_path at the appliance VirtualBox exported (NAME.ovf or NAME.ova)',
    );
  if (o.checksum_type !== undefined)
    p.warn(
      ['checksum_type'],
      '"checksum_type" is deprecated in Packer and ignored here',
      'write the type into checksum, as "sha256:<hex>"',
    );
  const checksum = prepareChecksum(o.checksum as string | undefined, 'checksum', p);
  const common = prepareCommon(o, ctx);
  return {
    builderType: 'virtualbox-ovf',
    source: { urls: sourcePath === undefined ? [] : [sourcePath], checksum },
    sourceOption: 'source_path',
    installer: false,
    hardware: undefined,
    ...common,
    native: {
      ...common.native,
      creation: { kind: 'import', importFlags: o.import_flags as string[], importOpts: o.import_opts as string },
    },
  };
}
