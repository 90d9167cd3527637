import { bootOptions } from '../../config/boot.js';
import { headlessOption, prepareConsole, vncOptions, type VncConfig } from '../../config/console.js';
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
import { cdOptions, floppyOptions } from '../../config/media.js';
import { outputOptions } from '../../config/output.js';
import { shutdownOptions } from '../../config/shutdown.js';
import { isoOptions, prepareIso } from '../../config/source.js';
import { prepareSession } from '../../config/local-vm.js';
import type { ConfigProblems, PrepareContext } from '../../core/plugin.js';
import { VMX_DISK_ADAPTERS, VMX_NICS, type VmxDiskAdapter, type VmxNic } from '../../formats/vmx.js';
import type { AcceleratorSetting } from '../../machines/qemu/accelerator.js';
import type { VmdkType } from '../../machines/qemu/export-vmx.js';
import { vmwareNearestDevice } from '../../machines/qemu/profiles.js';
import type { LocalVmSettings } from '../../steps/local-vm.js';
import { catalogueSchema, checkCatalogue, type OptionCatalogue } from '../../core/option-catalogue.js';

export type VmwareDriverSetting = 'auto' | 'vmrun' | 'qemu';

/** The machine vmware-iso makes (vmware-vmx takes it from the source .vmx). */
export interface VmwareHardware {
  guestOsType: string;
  diskSizeBytes: number;
  adapter: VmxDiskAdapter;
  nic: VmxNic;
  network: string;
  cores: number | undefined;
  hardwareVersion: number;
  firmware: 'bios' | 'efi';
  memoryMb: number;
  cpus: number;
}

/** vmware-iso and vmware-vmx: the local-VM pipeline plus what is VMware's own. */
export interface VmwareConfig extends LocalVmSettings {
  builderType: 'vmware-iso' | 'vmware-vmx';
  driver: VmwareDriverSetting;
  accelerator: AcceleratorSetting;
  /** vmware-iso's machine; undefined for vmware-vmx. */
  hardware: VmwareHardware | undefined;
  /** vmware-vmx: a copy-on-write clone of the source disk instead of a full copy. */
  linked: boolean;
  /** vmware-vmx on VMware: clone from this snapshot of the source. */
  snapshotName: string | undefined;
  headless: boolean;
  vnc: VncConfig | undefined;
  vmdkName: string;
  diskType: VmdkType;
  format: 'vmx' | 'ovf' | 'ova';
  vmxData: Record<string, string>;
  vmxDataPost: Record<string, string>;
  removeEthernet: boolean;
  skipCompaction: boolean;
  /** Options the template set that only VMware itself can apply; the qemu driver says it ignores them. */
  nativeOnly: string[];
}

/** Options only VMware itself applies, reported as ignored on the qemu driver. */
const NATIVE_ONLY = [
  'vmx_data_post',
  'vmx_template_path',
  'tools_upload_flavor',
  'tools_upload_path',
  'keep_registered',
  'fusion_app_path',
  'ovftool_options',
  'skip_validate_credentials',
  'sound',
  'usb',
  'serial',
  'parallel',
  'snapshot_name',
  'attach_snapshot',
];

/** Packer 1.6 options for VMware's remote (ESXi) builds, which boxwright does not do. */
const REMOTE = [
  'remote_type',
  'remote_host',
  'remote_port',
  'remote_username',
  'remote_password',
  'remote_private_key_file',
  'remote_datastore',
  'remote_cache_datastore',
  'remote_cache_directory',
  'skip_validate_credentials',
];

const stringMap = { type: 'object', additionalProperties: { type: 'string' }, default: {} };

const ESXI = { why: 'it builds on the local machine only, not on a remote ESXi host', instead: 'remove it' };

/** Packer 1.6's VMware options that boxwright refuses for now or that make no difference here. */
const VMWARE_CATALOGUE: OptionCatalogue = {
  notYet: {
    cleanup_remote_cache: ESXI,
    remote_output_directory: ESXI,
    vnc_over_websocket: ESXI,
    insecure_connection: ESXI,
    network_name: ESXI,
    disable_vnc: { why: 'under VMware, boot_command is typed over VNC', instead: 'remove it' },
    vnc_disable_password: { why: 'boxwright sets up the VNC console itself', instead: 'remove it' },
    tools_source_path: {
      why: 'VMware Tools are uploaded only from the ISO that tools_upload_flavor names',
      instead: 'use tools_upload_flavor, or install open-vm-tools in a provisioner',
    },
    cdrom_adapter_type: { why: 'the CD-ROM is attached where VMware puts it by default', instead: 'remove it' },
    vmx_disk_template_path: {
      why: 'the disk is described by boxwright itself',
      instead: 'use vmx_template_path for the machine, or vmx_data',
    },
  },
  ignored: {
    ssh_skip_request_pty: 'boxwright asks for a terminal only when ssh_pty is true',
  },
};

const commonOptions = {
  ...outputOptions,
  ...sizeOptions,
  ...bootOptions,
  ...httpOptions,
  ...floppyOptions,
  ...cdOptions,
  ...shutdownOptions,
  ...headlessOption,
  ...vncOptions,
  ...acceleratorOption,
  ...guestAccessOptions,
  driver: {
    type: 'string',
    enum: ['auto', 'vmrun', 'qemu'],
    default: 'auto',
    description: 'which machine runs the build: VMware itself (vmrun), or QEMU with VMware-like hardware',
  },
  cores: { type: 'integer', minimum: 1 },
  vmdk_name: { type: 'string', minLength: 1, default: 'disk' },
  disk_type_id: { type: ['string', 'integer'], enum: ['0', '1', '2', '3', '4', '5', 0, 1, 2, 3, 4, 5], default: '1' },
  format: { type: 'string', enum: ['vmx', 'ovf', 'ova'], default: 'vmx' },
  skip_compaction: { type: 'boolean', default: false },
  vmx_data: stringMap,
  vmx_data_post: stringMap,
  vmx_remove_ethernet_interfaces: { type: 'boolean', default: false },
  vmx_template_path: { type: 'string', minLength: 1 },
  tools_upload_flavor: { type: 'string', enum: ['linux', 'windows', 'darwin', ''] },
  tools_upload_path: { type: 'string', minLength: 1 },
  keep_registered: { type: 'boolean', default: false },
  skip_export: { type: 'boolean', default: false },
  fusion_app_path: { type: 'string' },
  ovftool_options: { type: 'array', items: { type: 'string' } },
  sound: { type: 'boolean' },
  usb: { type: 'boolean' },
  serial: { type: 'string' },
  parallel: { type: 'string' },
  display_name: { type: 'string' },
  ...catalogueSchema(VMWARE_CATALOGUE),
  ...Object.fromEntries(
    REMOTE.map((k) => [
      k,
      k === 'remote_port'
        ? { type: 'integer' }
        : k === 'skip_validate_credentials'
          ? { type: 'boolean' }
          : { type: 'string' },
    ]),
  ),
};

export const vmwareIsoSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonOptions,
    ...isoOptions,
    ...diskSizeOption(40000),
    guest_os_type: { type: 'string', minLength: 1, default: 'other' },
    disk_adapter_type: { type: 'string', enum: VMX_DISK_ADAPTERS, default: 'lsilogic' },
    disk_additional_size: { type: 'array', items: { type: 'integer', minimum: 1 } },
    network_adapter_type: { type: 'string', enum: VMX_NICS, default: 'e1000' },
    network: { type: 'string', default: 'nat' },
    version: { type: ['string', 'integer'], default: '9' },
    firmware: { type: 'string', enum: ['bios', 'efi', 'efi-secure'], default: 'bios' },
  },
};

/** vmware-vmx options Packer 1.6 takes for a clone. */
const VMX_CATALOGUE: OptionCatalogue = {
  notYet: {
    disk_additional_size: {
      why: "a clone keeps the source machine's disks",
      instead: 'add disks to the source machine',
    },
  },
  ignored: { disk_adapter_type: "a clone keeps the source machine's disk adapter" },
};

export const vmwareVmxSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonOptions,
    source_path: { type: 'string', minLength: 1, description: 'the .vmx of the machine to clone' },
    linked: { type: 'boolean', default: false },
    snapshot_name: { type: 'string' },
    attach_snapshot: { type: 'string' },
    ...catalogueSchema(VMX_CATALOGUE),
  },
};

function nativeOnlySet(o: Record<string, unknown>): string[] {
  const isSet = (k: string) =>
    o[k] !== undefined &&
    o[k] !== false &&
    o[k] !== '' &&
    !(typeof o[k] === 'object' && Object.keys(o[k] as object).length === 0);
  return NATIVE_ONLY.filter(isSet);
}

function diskType(o: Record<string, unknown>, p: ConfigProblems): VmdkType {
  const id = Number(o.disk_type_id);
  if (id === 4) {
    p.error(
      ['disk_type_id'],
      'disk_type_id 4 (preallocated ESX-type) is for ESXi, which boxwright does not build on',
      'use 0 (one growable file), 1 (growable, split in 2 GB files), 2 or 3 (preallocated), or 5 (streamOptimized)',
    );
    return 1;
  }
  return id as VmdkType;
}

type Common = Omit<
  VmwareConfig,
  'builderType' | 'source' | 'sourceOption' | 'installer' | 'hardware' | 'linked' | 'snapshotName'
>;

function prepareCommon(o: Record<string, unknown>, ctx: PrepareContext): Common {
  const p = ctx.problems;
  for (const key of REMOTE)
    if (o[key] !== undefined)
      p.error(
        [key],
        `"${key}" is not supported by boxwright yet: it builds on the local machine only, not on a remote ESXi host`,
        `remove "${key}"`,
      );
  checkCatalogue(o, p, VMWARE_CATALOGUE);
  const console = prepareConsole(o, p);
  return {
    ...prepareSession(o, ctx, { cd: true, forwardSsh: true }),
    driver: o.driver as VmwareDriverSetting,
    accelerator: prepareAccelerator(o),
    headless: console.headless,
    vnc: console.vnc,
    vmdkName: o.vmdk_name as string,
    diskType: diskType(o, p),
    format: o.format as 'vmx' | 'ovf' | 'ova',
    vmxData: o.vmx_data as Record<string, string>,
    vmxDataPost: o.vmx_data_post as Record<string, string>,
    removeEthernet: o.vmx_remove_ethernet_interfaces as boolean,
    skipCompaction: o.skip_compaction as boolean,
    nativeOnly: nativeOnlySet(o),
  };
}

export function prepareVmwareIso(o: Record<string, unknown>, ctx: PrepareContext): VmwareConfig {
  const p = ctx.problems;
  const source = prepareIso(o, p, 'the installer ISO to boot, as a path or URL');
  const version = Number(o.version);
  if (!Number.isInteger(version) || version < 4)
    p.error(
      ['version'],
      `"${o.version}" is not a VMware virtual hardware version`,
      'write a number such as 9, 14 or 19',
    );
  const adapter = o.disk_adapter_type as VmxDiskAdapter;
  if (adapter === 'nvme' && version < 13)
    p.error(
      ['disk_adapter_type'],
      `an NVMe disk needs virtual hardware version 13 or newer, and "version" is ${o.version}`,
      'set "version": "13" or newer',
    );
  const nearest = vmwareNearestDevice(adapter);
  if (nearest && o.driver !== 'vmrun')
    p.warn(
      ['disk_adapter_type'],
      `on the qemu driver: ${nearest}`,
      'the guest needs drivers for both (Debian\'s initramfs with MODULES=most has them); "pvscsi", "sata" or "nvme" are the same part under QEMU and VMware',
    );
  if (o.disk_additional_size !== undefined)
    p.error(
      ['disk_additional_size'],
      '"disk_additional_size" is not supported by boxwright yet',
      'build with one disk and add others in the guest, or remove it',
    );
  if (o.firmware === 'efi-secure')
    p.warn(
      ['firmware'],
      '"efi-secure" builds with UEFI; Secure Boot is set in the .vmx (uefi.secureBoot.enabled) for VMware to enforce',
    );
  const hardware: VmwareHardware = {
    guestOsType: o.guest_os_type as string,
    diskSizeBytes: prepareDiskSize(o, p) ?? 0,
    adapter,
    nic: o.network_adapter_type as VmxNic,
    network: o.network as string,
    cores: o.cores as number | undefined,
    hardwareVersion: version,
    firmware: o.firmware === 'bios' ? 'bios' : 'efi',
    ...prepareSize(o),
  };
  const common = prepareCommon(o, ctx);
  if (o.firmware === 'efi-secure') common.vmxData = { 'uefi.secureBoot.enabled': 'TRUE', ...common.vmxData };
  return {
    builderType: 'vmware-iso',
    source,
    sourceOption: 'iso_url',
    installer: true,
    hardware,
    linked: false,
    snapshotName: undefined,
    ...common,
  };
}

export function prepareVmwareVmx(o: Record<string, unknown>, ctx: PrepareContext): VmwareConfig {
  const p = ctx.problems;
  checkCatalogue(o, p, VMX_CATALOGUE);
  const sourcePath = o.source_path as string | undefined;
  if (sourcePath === undefined)
    p.error([], 'missing required option "source_path"', 'the .vmx of the VMware machine to clone');
  else if (!/\.vmx$/i.test(sourcePath))
    p.error(['source_path'], `"${sourcePath}" is not a .vmx file`, "point source_path at the machine's NAME.vmx");
  return {
    builderType: 'vmware-vmx',
    source: { urls: sourcePath === undefined ? [] : [sourcePath], checksum: 'none' },
    sourceOption: 'source_path',
    installer: false,
    hardware: undefined,
    linked: o.linked as boolean,
    snapshotName: (o.snapshot_name as string | undefined) || undefined,
    ...prepareCommon(o, ctx),
  };
}
