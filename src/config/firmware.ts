import { existsSync } from 'node:fs';
import type { ConfigProblems } from '../core/plugin.js';
import { findOvmf, varsFor, type Firmware } from '../machines/qemu/firmware.js';
import type { Options } from './options.js';

/** The qemu builder's firmware options: efi_boot with OVMF, or another BIOS image (firmware). */
export const qemuFirmwareOptions = {
  firmware: { type: 'string', minLength: 1, description: "a BIOS image for QEMU's -bios" },
  efi_boot: { type: 'boolean', default: false },
  efi_firmware_code: { type: 'string', minLength: 1 },
  efi_firmware_vars: { type: 'string', minLength: 1 },
  efi_drop_efivars: { type: 'boolean', default: false },
};

/**
 * BIOS or UEFI: efi_boot (or either efi_firmware_* option) boots OVMF with a copy of its
 * variable store; firmware names another BIOS image. Missing files are named here, before anything starts.
 */
export function prepareQemuFirmware(o: Options, p: ConfigProblems): Firmware {
  const code = o.efi_firmware_code as string | undefined;
  const vars = o.efi_firmware_vars as string | undefined;
  const efi = o.efi_boot === true || code !== undefined || vars !== undefined;
  if (!efi) {
    const file = o.firmware as string | undefined;
    if (file === undefined) return { kind: 'bios' };
    if (!existsSync(file))
      p.error(
        ['firmware'],
        `the firmware file "${file}" does not exist`,
        'give the path of a BIOS image, or use "efi_boot": true for UEFI',
      );
    return { kind: 'bios-file', file };
  }
  if (o.firmware !== undefined)
    p.error(
      ['firmware'],
      '"firmware" and "efi_boot" cannot be used together',
      'for UEFI use "efi_boot" with "efi_firmware_code"/"efi_firmware_vars"; remove "firmware"',
    );
  // The installed OVMF is looked for only when no code file is named.
  const installed = code === undefined ? findOvmf() : undefined;
  const chosenCode = code ?? installed?.code;
  const chosenVars = vars ?? (code !== undefined ? varsFor(code) : installed?.vars);
  if (chosenCode === undefined || chosenVars === undefined) {
    p.error(
      [code === undefined ? 'efi_boot' : 'efi_firmware_vars'],
      code === undefined
        ? 'UEFI needs OVMF, and no OVMF firmware is installed here'
        : `no variable store found next to ${code}`,
      'install the ovmf package, or set "efi_firmware_code" and "efi_firmware_vars"',
    );
    return { kind: 'bios' };
  }
  for (const [key, file] of [
    ['efi_firmware_code', chosenCode],
    ['efi_firmware_vars', chosenVars],
  ] as const) {
    if (!existsSync(file))
      p.error([key], `"${file}" does not exist`, 'install the ovmf package, or give the path of your OVMF files');
  }
  return { kind: 'efi', code: chosenCode, varsTemplate: chosenVars };
}
