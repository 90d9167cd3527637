import { existsSync } from 'node:fs';
import type { CommunicatorType } from '../../core/communicator.js';
import { prepareSsh, sshSchemaProperties, type SshConfig } from '../../communicators/ssh/config.js';
import { parseGoDuration } from '../../base/duration.js';
import type { ConfigProblems, PrepareContext } from '../../core/plugin.js';
import type { AcceleratorSetting } from '../../machines/qemu/accelerator.js';
import { parseBootCommand } from '../../machines/qemu/boot-command.js';
import { findOvmf, varsFor, type Firmware } from '../../machines/qemu/firmware.js';
import type { DiskInterface } from '../../machines/qemu/machine.js';
import type { StagedMedia } from '../../util/stage-files.js';

/** How a build talks to its guest, shared by the qemu and virtualbox builders: boot keys, HTTP server, SSH, shutdown. */
export interface GuestSessionConfig {
  bootWaitMs: number;
  bootCommand: string;
  bootKeyIntervalMs: number;
  httpDirectory: string | undefined;
  httpContent: Record<string, string> | undefined;
  httpBindAddress: string;
  httpPortRange: [number, number];
  hostPortRange: [number, number];
  shutdownCommand: string;
  shutdownTimeoutMs: number;
  communicator: CommunicatorType;
  ssh: SshConfig | undefined;
}

export interface QemuConfig extends GuestSessionConfig {
  isoUrls: string[];
  isoChecksum: string;
  diskImage: boolean;
  useBackingFile: boolean;
  diskSizeBytes: number | undefined;
  diskInterface: DiskInterface;
  netDevice: string;
  format: 'qcow2' | 'raw';
  diskCompression: boolean;
  skipCompaction: boolean;
  outputDirectory: string;
  vmName: string;
  memoryMb: number;
  cpus: number;
  accelerator: AcceleratorSetting;
  machineType: string;
  qemuArgs: string[][];
  /** A VNC console; off unless headless is false or a vnc_* option asks for it. */
  vnc: VncConfig | undefined;
  cdFiles: string[];
  cdContent: Record<string, string>;
  cdLabel: string | undefined;
  floppy: StagedMedia & { label: string };
  firmware: Firmware;
  /** Leave the UEFI variable store (efivars.fd) out of the output. */
  efiDropVars: boolean;
}

export interface VncConfig {
  bindAddress: string;
  portRange: [number, number];
  /** A random password, set through QMP and written to a file only the user can read. */
  usePassword: boolean;
}

const NET_DEVICES: Record<string, string> = { 'virtio-net': 'virtio-net-pci', virtio: 'virtio-net-pci', e1000: 'e1000', e1000e: 'e1000e', vmxnet3: 'vmxnet3', rtl8139: 'rtl8139', 'i82551': 'i82551', ne2k_pci: 'ne2k_pci', 'virtio-net-pci': 'virtio-net-pci' };
const DISK_INTERFACES = ['virtio', 'ide', 'sata', 'scsi', 'virtio-scsi', 'pvscsi', 'lsi', 'nvme'];

const { communicator: _c, ssh_host: _h, ...sshOptions } = sshSchemaProperties;
const duration = (def: string) => ({ type: 'string', format: 'duration', default: def });

export const qemuSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    iso_url: { type: 'string', minLength: 1 },
    iso_urls: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    iso_checksum: { type: 'string', minLength: 1, description: '"sha256:…", "file:…" or "none"' },
    iso_target_path: { type: 'string' },
    disk_image: { type: 'boolean', default: false },
    use_backing_file: { type: 'boolean', default: false },
    disk_size: { type: ['string', 'integer'] },
    disk_interface: { type: 'string', enum: DISK_INTERFACES, default: 'virtio' },
    net_device: { type: 'string', enum: Object.keys(NET_DEVICES), default: 'virtio-net' },
    format: { type: 'string', enum: ['qcow2', 'raw'], default: 'qcow2' },
    disk_compression: { type: 'boolean', default: false },
    skip_compaction: { type: 'boolean', default: false },
    output_directory: { type: 'string', minLength: 1 },
    vm_name: { type: 'string', minLength: 1 },
    headless: { type: 'boolean', default: true },
    memory: { type: 'integer', minimum: 64, default: 512 },
    cpus: { type: 'integer', minimum: 1, default: 1 },
    accelerator: { type: 'string', enum: ['auto', 'kvm', 'tcg', 'none'], default: 'auto' },
    machine_type: { type: 'string', default: 'pc' },
    qemuargs: { type: 'array', items: { type: 'array', items: { type: 'string' } }, default: [] },
    boot_wait: duration('10s'),
    boot_command: { type: 'array', items: { type: 'string' }, default: [] },
    boot_key_interval: duration('100ms'),
    http_directory: { type: 'string', minLength: 1 },
    http_content: { type: 'object', additionalProperties: { type: 'string' } },
    http_bind_address: { type: 'string', default: '127.0.0.1' },
    http_port_min: { type: 'integer', minimum: 1, maximum: 65535, default: 8000 },
    http_port_max: { type: 'integer', minimum: 1, maximum: 65535, default: 9000 },
    host_port_min: { type: 'integer', minimum: 1, maximum: 65535, default: 2222 },
    host_port_max: { type: 'integer', minimum: 1, maximum: 65535, default: 4444 },
    ssh_host_port_min: { type: 'integer', minimum: 1, maximum: 65535 },
    ssh_host_port_max: { type: 'integer', minimum: 1, maximum: 65535 },
    shutdown_command: { type: 'string', default: '' },
    shutdown_timeout: duration('5m'),
    ...vncSchemaProperties(),
    communicator: { type: 'string', enum: ['ssh', 'none'], default: 'ssh' },
    cd_files: { type: 'array', items: { type: 'string', minLength: 1 } },
    cd_content: { type: 'object', additionalProperties: { type: 'string' } },
    cd_label: { type: 'string', minLength: 1, maxLength: 32 },
    ...floppySchemaProperties(),
    firmware: { type: 'string', minLength: 1, description: 'a BIOS image for QEMU\'s -bios' },
    efi_boot: { type: 'boolean', default: false },
    efi_firmware_code: { type: 'string', minLength: 1 },
    efi_firmware_vars: { type: 'string', minLength: 1 },
    efi_drop_efivars: { type: 'boolean', default: false },
    ...sshOptions,
  },
};

/** Packer's floppy options; a FAT volume label has at most 11 characters. */
export function floppySchemaProperties() {
  return {
    floppy_files: { type: 'array', items: { type: 'string', minLength: 1 } },
    floppy_dirs: { type: 'array', items: { type: 'string', minLength: 1 } },
    floppy_content: { type: 'object', additionalProperties: { type: 'string' } },
    floppy_label: { type: 'string', minLength: 1, maxLength: 11, pattern: '^[A-Za-z0-9 _-]+$', default: 'packer' },
  };
}

/** floppy_files, floppy_dirs and floppy_content; paths that cannot exist are reported before the build starts. */
export function prepareFloppy(o: Record<string, unknown>, p: ConfigProblems): StagedMedia & { label: string } {
  const floppy = { files: (o.floppy_files as string[] | undefined) ?? [], dirs: (o.floppy_dirs as string[] | undefined) ?? [], content: (o.floppy_content as Record<string, string> | undefined) ?? {}, label: o.floppy_label as string };
  checkMediaPaths(o, ['floppy_files', 'floppy_dirs'], p);
  return floppy;
}

/** Plain paths in *_files/*_dirs options that do not exist (patterns are expanded at build time). */
export function checkMediaPaths(o: Record<string, unknown>, keys: string[], p: ConfigProblems): void {
  for (const key of keys) {
    for (const [i, pattern] of ((o[key] as string[] | undefined) ?? []).entries()) {
      if (!pattern.includes('*') && !existsSync(pattern)) p.error([key, i], `"${pattern}" does not exist`, 'paths are relative to the directory boxwright runs in');
    }
  }
}

/**
 * BIOS or UEFI: efi_boot (or either efi_firmware_* option) boots OVMF with a copy of its
 * variable store; firmware names another BIOS image. Missing files are named here, before anything starts.
 */
export function prepareFirmware(o: Record<string, unknown>, p: ConfigProblems): Firmware {
  const code = o.efi_firmware_code as string | undefined;
  const vars = o.efi_firmware_vars as string | undefined;
  const efi = o.efi_boot === true || code !== undefined || vars !== undefined;
  if (!efi) {
    const file = o.firmware as string | undefined;
    if (file === undefined) return { kind: 'bios' };
    if (!existsSync(file)) p.error(['firmware'], `the firmware file "${file}" does not exist`, 'give the path of a BIOS image, or use "efi_boot": true for UEFI');
    return { kind: 'bios-file', file };
  }
  if (o.firmware !== undefined) p.error(['firmware'], '"firmware" and "efi_boot" cannot be used together', 'for UEFI use "efi_boot" with "efi_firmware_code"/"efi_firmware_vars"; remove "firmware"');
  // The installed OVMF is looked for only when no code file is named.
  const installed = code === undefined ? findOvmf() : undefined;
  const chosenCode = code ?? installed?.code;
  const chosenVars = vars ?? (code !== undefined ? varsFor(code) : installed?.vars);
  if (chosenCode === undefined || chosenVars === undefined) {
    p.error([code === undefined ? 'efi_boot' : 'efi_firmware_vars'], code === undefined ? 'UEFI needs OVMF, and no OVMF firmware is installed here' : `no variable store found next to ${code}`, 'install the ovmf package, or set "efi_firmware_code" and "efi_firmware_vars"');
    return { kind: 'bios' };
  }
  for (const [key, file] of [['efi_firmware_code', chosenCode], ['efi_firmware_vars', chosenVars]] as const) {
    if (!existsSync(file)) p.error([key], `"${file}" does not exist`, 'install the ovmf package, or give the path of your OVMF files');
  }
  return { kind: 'efi', code: chosenCode, varsTemplate: chosenVars };
}

/** Packer's VNC options; QEMU numbers VNC displays from port 5900. */
export function vncSchemaProperties() {
  return {
    vnc_bind_address: { type: 'string', minLength: 1 },
    vnc_port_min: { type: 'integer', minimum: 5900, maximum: 65535 },
    vnc_port_max: { type: 'integer', minimum: 5900, maximum: 65535 },
    vnc_use_password: { type: 'boolean' },
  };
}

/** The VNC console: asked for by `headless: false` or by any vnc_* option. */
export function prepareVnc(o: Record<string, unknown>, headless: boolean, p: ConfigProblems): VncConfig | undefined {
  const asked = !headless || o.vnc_bind_address !== undefined || o.vnc_port_min !== undefined || o.vnc_port_max !== undefined || o.vnc_use_password === true;
  if (!asked) return undefined;
  const min = (o.vnc_port_min as number | undefined) ?? 5900;
  const max = (o.vnc_port_max as number | undefined) ?? 6000;
  if (min > max) p.error(['vnc_port_min'], `vnc_port_min (${min}) is above vnc_port_max (${max})`);
  return { bindAddress: (o.vnc_bind_address as string | undefined) ?? '127.0.0.1', portRange: [min, max], usePassword: o.vnc_use_password === true };
}

/** Parses "3G", "512M", "40960" (MiB, Packer's unit) into bytes. */
export function parseDiskSize(value: string | number): number | undefined {
  if (typeof value === 'number') return value * 1024 * 1024;
  const m = /^(\d+)\s*([KMGT]i?B?)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'M')[0]!.toUpperCase();
  const power = { K: 1, M: 2, G: 3, T: 4 }[unit as 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * 1024 ** power;
}

/** Joins boot_command and checks that every key can be typed, as both the QEMU engine and VirtualBox type it. */
export function prepareBootCommand(o: Record<string, unknown>, p: ConfigProblems): string {
  const bootCommand = (o.boot_command as string[]).join('');
  const warnings: string[] = [];
  try {
    // Late fields ({{ .HTTPIP }}) are still in the text; their braces type fine, so this checks the rest.
    parseBootCommand(bootCommand, warnings);
  } catch (err) {
    p.error(['boot_command'], (err as Error).message);
  }
  for (const w of warnings) p.warn(['boot_command'], w);
  return bootCommand;
}

/** The built-in HTTP server serves one of http_directory and http_content. */
export function checkHttpSource(o: Record<string, unknown>, p: ConfigProblems): void {
  if (o.http_directory !== undefined && o.http_content !== undefined) p.error(['http_content'], '"http_directory" and "http_content" cannot be used together');
}

export function prepareQemu(o: Record<string, unknown>, ctx: PrepareContext): QemuConfig {
  const p = ctx.problems;
  const isoUrls = o.iso_urls !== undefined ? (o.iso_urls as string[]) : o.iso_url !== undefined ? [o.iso_url as string] : [];
  if (isoUrls.length === 0) p.error([], 'missing required option "iso_url"', 'the installer ISO, or with "disk_image": true a disk image to start from');
  if (o.iso_url !== undefined && o.iso_urls !== undefined) p.error(['iso_urls'], '"iso_url" and "iso_urls" cannot be used together');
  if (o.iso_target_path !== undefined) p.warn(['iso_target_path'], '"iso_target_path" is ignored: downloads go to the shared cache', 'set BOXWRIGHT_CACHE_DIR to choose where downloads are kept');
  const checksum = o.iso_checksum as string | undefined;
  if (checksum === undefined) p.error([], 'missing required option "iso_checksum"', 'write "sha256:<hex>", "file:<url of a SHA256SUMS file>", or "none" to skip the check');
  else if (checksum !== 'none' && !/^(md5|sha1|sha256|sha512):[0-9a-fA-F]+$/.test(checksum) && !checksum.startsWith('file:') && !/^[0-9a-fA-F]{32,128}$/.test(checksum)) {
    p.error(['iso_checksum'], `"${checksum}" is not a checksum`, 'write "sha256:<hex>", "file:<url>", or "none"');
  }
  let diskSizeBytes: number | undefined;
  if (o.disk_size !== undefined) {
    diskSizeBytes = parseDiskSize(o.disk_size as string | number);
    if (diskSizeBytes === undefined) p.error(['disk_size'], `"${o.disk_size}" is not a disk size`, 'write megabytes as a number (40960) or a size such as "8G"');
  }
  if (!o.disk_image && diskSizeBytes === undefined) diskSizeBytes = 40960 * 1024 * 1024;
  const bootCommand = prepareBootCommand(o, p);
  checkMediaPaths(o, ['cd_files'], p);
  const communicator = o.communicator as CommunicatorType;
  const ssh = communicator === 'ssh' ? prepareSsh(o, p, { hostRequired: false }) : undefined;
  if (o.use_backing_file && !o.disk_image) p.error(['use_backing_file'], '"use_backing_file" needs "disk_image": true');
  if (o.use_backing_file && o.format === 'raw') p.error(['use_backing_file'], 'a backing file needs "format": "qcow2"');
  checkHttpSource(o, p);
  const hostMin = (o.ssh_host_port_min ?? o.host_port_min) as number;
  const hostMax = (o.ssh_host_port_max ?? o.host_port_max) as number;
  if (hostMin > hostMax) p.error(['host_port_min'], `host_port_min (${hostMin}) is above host_port_max (${hostMax})`);
  return {
    isoUrls,
    isoChecksum: checksum ?? 'none',
    diskImage: o.disk_image as boolean,
    useBackingFile: o.use_backing_file as boolean,
    diskSizeBytes,
    diskInterface: o.disk_interface as DiskInterface,
    netDevice: NET_DEVICES[o.net_device as string]!,
    format: o.format as 'qcow2' | 'raw',
    diskCompression: o.disk_compression as boolean,
    skipCompaction: o.skip_compaction as boolean,
    outputDirectory: (o.output_directory as string | undefined) ?? `output-${ctx.buildName}`,
    vmName: (o.vm_name as string | undefined) ?? `packer-${ctx.buildName}`,
    memoryMb: o.memory as number,
    cpus: o.cpus as number,
    accelerator: o.accelerator as AcceleratorSetting,
    machineType: o.machine_type as string,
    qemuArgs: o.qemuargs as string[][],
    bootWaitMs: parseGoDuration(o.boot_wait as string) ?? 10_000,
    bootCommand,
    bootKeyIntervalMs: parseGoDuration(o.boot_key_interval as string) ?? 100,
    httpDirectory: o.http_directory as string | undefined,
    httpContent: o.http_content as Record<string, string> | undefined,
    httpBindAddress: o.http_bind_address as string,
    httpPortRange: [o.http_port_min as number, o.http_port_max as number],
    hostPortRange: [hostMin, hostMax],
    shutdownCommand: o.shutdown_command as string,
    shutdownTimeoutMs: parseGoDuration(o.shutdown_timeout as string) ?? 300_000,
    communicator,
    ssh,
    vnc: prepareVnc(o, o.headless as boolean, p),
    cdFiles: (o.cd_files as string[] | undefined) ?? [],
    cdContent: (o.cd_content as Record<string, string> | undefined) ?? {},
    cdLabel: o.cd_label as string | undefined,
    floppy: prepareFloppy(o, p),
    firmware: prepareFirmware(o, p),
    efiDropVars: o.efi_drop_efivars as boolean,
  };
}
