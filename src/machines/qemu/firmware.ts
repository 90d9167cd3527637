import { existsSync } from 'node:fs';

/** What the machine starts: QEMU's own SeaBIOS, another BIOS image, or UEFI from OVMF's code and variable store. */
export type Firmware =
  { kind: 'bios' } | { kind: 'bios-file'; file: string } | { kind: 'efi'; code: string; varsTemplate: string };

// Packer's default first, then where Debian/Ubuntu (4M builds), Fedora and Arch put OVMF.
const OVMF_PAIRS: Array<[string, string]> = [
  ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
  ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
  ['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'],
  ['/usr/share/edk2/x64/OVMF_CODE.4m.fd', '/usr/share/edk2/x64/OVMF_VARS.4m.fd'],
];

/** The first OVMF code/vars pair installed here, if any. */
export function findOvmf(): { code: string; vars: string } | undefined {
  const pair = OVMF_PAIRS.find(([code, vars]) => existsSync(code) && existsSync(vars));
  return pair && { code: pair[0], vars: pair[1] };
}

/**
 * The variables file that belongs with a code file: OVMF's code and vars come in
 * matching sizes (2 MB and 4 MB builds), and a mismatched pair does not boot.
 */
export function varsFor(code: string): string | undefined {
  const same = code.replace(/CODE/g, 'VARS');
  if (same === code) return undefined;
  // OVMF_CODE_4M.ms.fd pairs with OVMF_VARS_4M.ms.fd (Microsoft keys enrolled); a secboot build with the plain store.
  return [same, same.replace(/\.(secboot|ms|snakeoil)\.fd$/, '.fd')].find((v) => existsSync(v));
}

/** The QEMU arguments for a firmware; `varsCopy` is the build's own writable copy of the variable store. */
export function firmwareArguments(firmware: Firmware, varsCopy: string | undefined): string[] {
  switch (firmware.kind) {
    case 'bios':
      return [];
    case 'bios-file':
      return ['-bios', firmware.file];
    case 'efi':
      return [
        '-drive',
        `if=pflash,format=raw,unit=0,file=${firmware.code},readonly=on`,
        '-drive',
        `if=pflash,format=raw,unit=1,file=${varsCopy}`,
      ];
  }
}
