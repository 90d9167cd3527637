import type { CommunicatorType } from '../../core/communicator.js';
import { prepareSsh, sshSchemaProperties } from '../../communicators/ssh/config.js';
import { parseGoDuration } from '../../base/duration.js';
import type { PrepareContext } from '../../core/plugin.js';
import type { AcceleratorSetting } from '../../machines/qemu/accelerator.js';
import { checkHttpSource, floppySchemaProperties, type GuestSessionConfig, parseDiskSize, prepareBootCommand, prepareFloppy } from '../qemu/config.js';
import type { StagedMedia } from '../../util/stage-files.js';

export type DriverSetting = 'auto' | 'vboxmanage' | 'qemu';
export type HardDriveInterface = 'ide' | 'sata' | 'scsi' | 'pcie' | 'virtio';
export type GuestAdditionsMode = 'upload' | 'attach' | 'disable';

/** Where the machine comes from: an installer ISO (virtualbox-iso) or an OVF/OVA (virtualbox-ovf). */
export type MachineSource =
  | { kind: 'iso'; isoUrls: string[]; isoChecksum: string }
  | { kind: 'ovf'; sourcePath: string; checksum: string; importFlags: string[]; importOpts: string };

/** Hardware the template sets (virtualbox-iso); virtualbox-ovf takes its hardware from the OVF. */
export interface Hardware {
  guestOsType: string;
  diskSizeBytes: number;
  hardDriveInterface: HardDriveInterface;
  sataPortCount: number;
  isoInterface: 'ide' | 'sata';
  nicType: string;
  chipset: 'piix3' | 'ich9';
  firmware: 'bios' | 'efi';
  memoryMb: number;
  cpus: number;
}

export interface VirtualBoxConfig extends GuestSessionConfig {
  builderType: 'virtualbox-iso' | 'virtualbox-ovf';
  driver: DriverSetting;
  accelerator: AcceleratorSetting;
  source: MachineSource;
  hardware: Hardware | undefined;
  vmName: string;
  outputDirectory: string;
  format: 'ovf' | 'ova';
  exportOpts: string[];
  guestAdditions: { mode: GuestAdditionsMode; path: string; url: string | undefined; sha256: string | undefined };
  versionFile: string;
  headless: boolean;
  vboxmanage: string[][];
  vboxmanagePost: string[][];
  keepRegistered: boolean;
  skipExport: boolean;
  skipNatMapping: boolean;
  postShutdownDelayMs: number;
  /** modifyvm flags from gfx_*, audio_controller, usb, rtc_time_base (vboxmanage driver). */
  modifyvm: string[];
  /** storageattach flags from hard_drive_nonrotational and hard_drive_discard (vboxmanage driver). */
  diskAttachFlags: string[];
  /** Options the template set that only VirtualBox itself can apply; the qemu driver says it ignores them. */
  nativeOnly: string[];
  floppy: StagedMedia & { label: string };
}

/** VirtualBox's NIC types (modifyvm --nictype). */
export const NIC_TYPES = ['82540EM', '82543GC', '82545EM', 'Am79C970A', 'Am79C973', 'virtio'];

// Options only VBoxManage can honour: passed to VirtualBox by the vboxmanage driver, reported as ignored by the qemu driver.
const NATIVE_ONLY = ['vboxmanage', 'vboxmanage_post', 'export_opts', 'keep_registered', 'import_flags', 'import_opts', 'gfx_controller', 'gfx_vram_size', 'gfx_accelerate_3d', 'audio_controller', 'usb', 'rtc_time_base', 'vrdp_bind_address', 'vrdp_port_min', 'vrdp_port_max', 'hard_drive_nonrotational', 'hard_drive_discard'];

const { communicator: _c, ssh_host: _h, ...sshOptions } = sshSchemaProperties;
const duration = (def: string) => ({ type: 'string', format: 'duration', default: def });
const commandList = { type: 'array', items: { type: 'array', items: { type: 'string' } }, default: [] };
const port = (def?: number) => ({ type: 'integer', minimum: 1, maximum: 65535, ...(def ? { default: def } : {}) });

const commonProperties = {
  driver: { type: 'string', enum: ['auto', 'vboxmanage', 'qemu'], default: 'auto', description: 'which machine runs the build: VirtualBox itself, or QEMU with VirtualBox-like hardware' },
  accelerator: { type: 'string', enum: ['auto', 'kvm', 'tcg', 'none'], default: 'auto' },
  vm_name: { type: 'string', minLength: 1 },
  output_directory: { type: 'string', minLength: 1 },
  format: { type: 'string', enum: ['ovf', 'ova'], default: 'ovf' },
  export_opts: { type: 'array', items: { type: 'string' }, default: [] },
  guest_additions_mode: { type: 'string', enum: ['upload', 'attach', 'disable'], default: 'upload' },
  guest_additions_path: { type: 'string', minLength: 1, default: 'VBoxGuestAdditions.iso' },
  guest_additions_url: { type: 'string', minLength: 1 },
  guest_additions_sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
  guest_additions_interface: { type: 'string', enum: ['ide', 'sata'] },
  virtualbox_version_file: { type: 'string', default: '.vbox_version' },
  headless: { type: 'boolean', default: false },
  ...floppySchemaProperties(),
  vboxmanage: commandList,
  vboxmanage_post: commandList,
  keep_registered: { type: 'boolean', default: false },
  skip_export: { type: 'boolean', default: false },
  skip_nat_mapping: { type: 'boolean', default: false },
  boot_wait: duration('10s'),
  boot_command: { type: 'array', items: { type: 'string' }, default: [] },
  boot_keygroup_interval: duration('100ms'),
  boot_key_interval: { type: 'string', format: 'duration' },
  http_directory: { type: 'string', minLength: 1 },
  http_content: { type: 'object', additionalProperties: { type: 'string' } },
  http_bind_address: { type: 'string', default: '127.0.0.1' },
  http_port_min: port(8000),
  http_port_max: port(9000),
  ssh_host_port_min: port(2222),
  ssh_host_port_max: port(4444),
  shutdown_command: { type: 'string', default: '' },
  shutdown_timeout: duration('5m'),
  post_shutdown_delay: duration('0s'),
  communicator: { type: 'string', enum: ['ssh', 'none'], default: 'ssh' },
  gfx_controller: { type: 'string' },
  gfx_vram_size: { type: 'integer' },
  gfx_accelerate_3d: { type: 'boolean' },
  audio_controller: { type: 'string' },
  usb: { type: 'boolean' },
  rtc_time_base: { type: 'string', enum: ['UTC', 'local'] },
  vrdp_bind_address: { type: 'string' },
  vrdp_port_min: port(),
  vrdp_port_max: port(),
  ...sshOptions,
};

export const virtualBoxIsoSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonProperties,
    iso_url: { type: 'string', minLength: 1 },
    iso_urls: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    iso_checksum: { type: 'string', minLength: 1, description: '"sha256:…", "file:…" or "none"' },
    iso_interface: { type: 'string', enum: ['ide', 'sata'], default: 'ide' },
    guest_os_type: { type: 'string', minLength: 1, default: 'Other' },
    disk_size: { type: ['string', 'integer'], default: 40000 },
    hard_drive_interface: { type: 'string', enum: ['ide', 'sata', 'scsi', 'pcie', 'nvme', 'virtio'], default: 'ide' },
    hard_drive_nonrotational: { type: 'boolean' },
    hard_drive_discard: { type: 'boolean' },
    sata_port_count: { type: 'integer', minimum: 1, maximum: 30, default: 1 },
    nic_type: { type: 'string', enum: NIC_TYPES, default: '82540EM' },
    chipset: { type: 'string', enum: ['piix3', 'ich9'], default: 'piix3' },
    firmware: { type: 'string', enum: ['bios', 'efi'], default: 'bios' },
    memory: { type: 'integer', minimum: 4, default: 512 },
    cpus: { type: 'integer', minimum: 1, maximum: 64, default: 1 },
  },
};

export const virtualBoxOvfSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonProperties,
    source_path: { type: 'string', minLength: 1, description: 'the .ovf or .ova to start from' },
    checksum: { type: 'string', minLength: 1, description: '"sha256:…" or "none"' },
    checksum_type: { type: 'string' },
    import_flags: { type: 'array', items: { type: 'string' }, default: [] },
    import_opts: { type: 'string', default: '' },
  },
};

const CHECKSUM = /^(md5|sha1|sha256|sha512):[0-9a-fA-F]+$/;

function checkChecksum(value: string | undefined, option: string, ctx: PrepareContext): string {
  const p = ctx.problems;
  if (value === undefined) {
    p.error([], `missing required option "${option}"`, 'write "sha256:<hex>", or "none" to skip the check');
    return 'none';
  }
  if (value !== 'none' && !CHECKSUM.test(value) && !value.startsWith('file:') && !/^[0-9a-fA-F]{32,128}$/.test(value)) p.error([option], `"${value}" is not a checksum`, 'write "sha256:<hex>", "file:<url>", or "none"');
  return value;
}

const onOff = (v: unknown) => (v ? 'on' : 'off');

function modifyvmFlags(o: Record<string, unknown>): string[] {
  const flags: string[] = [];
  if (o.gfx_controller !== undefined) flags.push('--graphicscontroller', String(o.gfx_controller));
  if (o.gfx_vram_size !== undefined) flags.push('--vram', String(o.gfx_vram_size));
  if (o.gfx_accelerate_3d !== undefined) flags.push('--accelerate3d', onOff(o.gfx_accelerate_3d));
  if (o.audio_controller !== undefined) flags.push('--audiocontroller', String(o.audio_controller));
  if (o.usb !== undefined) flags.push('--usb', onOff(o.usb));
  if (o.rtc_time_base !== undefined) flags.push('--rtcuseutc', onOff(o.rtc_time_base === 'UTC'));
  return flags;
}

function prepareCommon(o: Record<string, unknown>, ctx: PrepareContext): Omit<VirtualBoxConfig, 'builderType' | 'source' | 'hardware'> {
  if (o.driver === 'qemu' && o.firmware === 'efi') ctx.problems.error(['firmware'], '"firmware": "efi" is not supported by the qemu driver yet', 'use "firmware": "bios", or build where VirtualBox is installed ("driver": "vboxmanage")');
  const p = ctx.problems;
  const bootCommand = prepareBootCommand(o, p);
  for (const key of ['vboxmanage', 'vboxmanage_post'] as const) {
    (o[key] as string[][]).forEach((command, i) => {
      if (command.length === 0) p.error([key, i], 'an empty VBoxManage command', 'write the command as a list, for example ["modifyvm", "{{.Name}}", "--memory", "1024"]');
    });
  }
  const communicator = o.communicator as CommunicatorType;
  const ssh = communicator === 'ssh' ? prepareSsh(o, p, { hostRequired: false }) : undefined;
  checkHttpSource(o, p);
  const hostMin = o.ssh_host_port_min as number;
  const hostMax = o.ssh_host_port_max as number;
  if (hostMin > hostMax) p.error(['ssh_host_port_min'], `ssh_host_port_min (${hostMin}) is above ssh_host_port_max (${hostMax})`);
  if (o.guest_additions_mode !== 'disable' && o.guest_additions_sha256 !== undefined && o.guest_additions_url === undefined) p.warn(['guest_additions_sha256'], '"guest_additions_sha256" checks only a download from "guest_additions_url"');
  const isSet = (key: string) => o[key] !== undefined && !(Array.isArray(o[key]) && (o[key] as unknown[]).length === 0) && !(key === 'keep_registered' && o[key] === false) && !(key === 'import_opts' && o[key] === '');
  return {
    driver: o.driver as DriverSetting,
    accelerator: o.accelerator as AcceleratorSetting,
    vmName: (o.vm_name as string | undefined) ?? `packer-${ctx.buildName}`,
    outputDirectory: (o.output_directory as string | undefined) ?? `output-${ctx.buildName}`,
    format: o.format as 'ovf' | 'ova',
    exportOpts: o.export_opts as string[],
    guestAdditions: { mode: o.guest_additions_mode as GuestAdditionsMode, path: o.guest_additions_path as string, url: o.guest_additions_url as string | undefined, sha256: (o.guest_additions_sha256 as string | undefined)?.toLowerCase() },
    versionFile: o.virtualbox_version_file as string,
    headless: o.headless as boolean,
    vboxmanage: o.vboxmanage as string[][],
    vboxmanagePost: o.vboxmanage_post as string[][],
    keepRegistered: o.keep_registered as boolean,
    skipExport: o.skip_export as boolean,
    skipNatMapping: o.skip_nat_mapping as boolean,
    bootWaitMs: parseGoDuration(o.boot_wait as string) ?? 10_000,
    bootCommand,
    bootKeyIntervalMs: parseGoDuration((o.boot_key_interval ?? o.boot_keygroup_interval) as string) ?? 100,
    httpDirectory: o.http_directory as string | undefined,
    httpContent: o.http_content as Record<string, string> | undefined,
    httpBindAddress: o.http_bind_address as string,
    httpPortRange: [o.http_port_min as number, o.http_port_max as number],
    hostPortRange: [hostMin, hostMax],
    shutdownCommand: o.shutdown_command as string,
    shutdownTimeoutMs: parseGoDuration(o.shutdown_timeout as string) ?? 300_000,
    postShutdownDelayMs: parseGoDuration(o.post_shutdown_delay as string) ?? 0,
    communicator,
    ssh,
    modifyvm: modifyvmFlags(o),
    diskAttachFlags: [...(o.hard_drive_nonrotational ? ['--nonrotational', 'on'] : []), ...(o.hard_drive_discard ? ['--discard', 'on'] : [])],
    nativeOnly: NATIVE_ONLY.filter(isSet),
    floppy: prepareFloppy(o, p),
  };
}

export function prepareVirtualBoxIso(o: Record<string, unknown>, ctx: PrepareContext): VirtualBoxConfig {
  const p = ctx.problems;
  const isoUrls = o.iso_urls !== undefined ? (o.iso_urls as string[]) : o.iso_url !== undefined ? [o.iso_url as string] : [];
  if (isoUrls.length === 0) p.error([], 'missing required option "iso_url"', 'the installer ISO to boot, as a path or URL');
  if (o.iso_url !== undefined && o.iso_urls !== undefined) p.error(['iso_urls'], '"iso_url" and "iso_urls" cannot be used together');
  const isoChecksum = checkChecksum(o.iso_checksum as string | undefined, 'iso_checksum', ctx);
  const diskSizeBytes = parseDiskSize(o.disk_size as string | number);
  if (diskSizeBytes === undefined) p.error(['disk_size'], `"${o.disk_size}" is not a disk size`, 'write megabytes as a number (40000) or a size such as "8G"');
  const hdi = o.hard_drive_interface === 'nvme' ? 'pcie' : (o.hard_drive_interface as HardDriveInterface);
  return {
    builderType: 'virtualbox-iso',
    source: { kind: 'iso', isoUrls, isoChecksum },
    hardware: {
      guestOsType: o.guest_os_type as string,
      diskSizeBytes: diskSizeBytes ?? 0,
      hardDriveInterface: hdi,
      sataPortCount: o.sata_port_count as number,
      isoInterface: o.iso_interface as 'ide' | 'sata',
      nicType: o.nic_type as string,
      chipset: o.chipset as 'piix3' | 'ich9',
      firmware: o.firmware as 'bios' | 'efi',
      memoryMb: o.memory as number,
      cpus: o.cpus as number,
    },
    ...prepareCommon(o, ctx),
  };
}

export function prepareVirtualBoxOvf(o: Record<string, unknown>, ctx: PrepareContext): VirtualBoxConfig {
  const p = ctx.problems;
  const sourcePath = o.source_path as string | undefined;
  if (sourcePath === undefined) p.error([], 'missing required option "source_path"', 'the .ovf or .ova to start from');
  else if (!/\.(ovf|ova)$/i.test(sourcePath.split('?')[0]!)) p.error(['source_path'], `"${sourcePath}" is not an .ovf or .ova file`, 'point source_path at the appliance VirtualBox exported (NAME.ovf or NAME.ova)');
  if (o.checksum_type !== undefined) p.warn(['checksum_type'], '"checksum_type" is deprecated in Packer and ignored here', 'write the type into checksum, as "sha256:<hex>"');
  const checksum = checkChecksum(o.checksum as string | undefined, 'checksum', ctx);
  return {
    builderType: 'virtualbox-ovf',
    source: { kind: 'ovf', sourcePath: sourcePath ?? '', checksum, importFlags: o.import_flags as string[], importOpts: o.import_opts as string },
    hardware: undefined,
    ...prepareCommon(o, ctx),
  };
}
