import type { ConfigProblems } from '../core/plugin.js';
import type { AcceleratorSetting } from '../machines/qemu/accelerator.js';
import type { Options } from './options.js';

/** The machine's size, as every local VM family sets it. */
export interface HardwareSize {
  memoryMb: number;
  cpus: number;
}

/** memory and cpus, with Packer's defaults (512 MB, one CPU) for every family. */
export const sizeOptions = {
  // The bounds are the largest any of the platforms takes (VMware's 6 TB of memory, QEMU's 1024 vCPUs on q35).
  memory: { type: 'integer', minimum: 4, maximum: 6 * 1024 * 1024, default: 512 },
  cpus: { type: 'integer', minimum: 1, maximum: 1024, default: 1 },
};

export function prepareSize(o: Options): HardwareSize {
  return { memoryMb: o.memory as number, cpus: o.cpus as number };
}

/** disk_size: megabytes, or a size with a unit; the default is the family's (Packer's differ: qemu 40960, VirtualBox 40000). */
export const diskSizeOption = (defaultMb?: number) => ({
  disk_size: { type: ['string', 'integer'], ...(defaultMb !== undefined ? { default: defaultMb } : {}) },
});

/** Parses "3G", "512M", "40960" (MiB, Packer's unit) into bytes. */
export function parseDiskSize(value: string | number): number | undefined {
  if (typeof value === 'number') return value * 1024 * 1024;
  const m = /^(\d+)\s*([KMGT]i?B?)?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'M')[0]!.toUpperCase();
  const power = { K: 1, M: 2, G: 3, T: 4 }[unit as 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * 1024 ** power;
}

/** disk_size in bytes, or undefined when not set (and no default applies). */
export function prepareDiskSize(o: Options, p: ConfigProblems): number | undefined {
  if (o.disk_size === undefined) return undefined;
  const bytes = parseDiskSize(o.disk_size as string | number);
  if (bytes === undefined)
    p.error(
      ['disk_size'],
      `"${o.disk_size}" is not a disk size`,
      'write megabytes as a number (40960) or a size such as "8G"',
    );
  return bytes;
}

/** How the QEMU engine runs the guest: KVM, TCG, or probe (auto). */
export const acceleratorOption = {
  accelerator: { type: 'string', enum: ['auto', 'kvm', 'tcg', 'none'], default: 'auto' },
};

export const prepareAccelerator = (o: Options): AcceleratorSetting => o.accelerator as AcceleratorSetting;
