import type { BootAction } from '../boot-command.js';

/** X11 keysyms of the keys boot_command names (QEMU qcodes), for VNC key events. */
const SPECIAL: Record<string, number> = {
  backspace: 0xff08,
  tab: 0xff09,
  ret: 0xff0d,
  esc: 0xff1b,
  delete: 0xffff,
  insert: 0xff63,
  home: 0xff50,
  end: 0xff57,
  pgup: 0xff55,
  pgdn: 0xff56,
  left: 0xff51,
  up: 0xff52,
  right: 0xff53,
  down: 0xff54,
  shift: 0xffe1,
  shift_r: 0xffe2,
  ctrl: 0xffe3,
  ctrl_r: 0xffe4,
  alt: 0xffe9,
  alt_r: 0xffea,
  meta_l: 0xffeb,
  meta_r: 0xffec,
  menu: 0xff67,
  spc: 0x20,
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i + 1}`, 0xffbe + i])),
};

/** Printable keys: their character unshifted and shifted (a US keyboard). */
const PRINTABLE: Record<string, [string, string]> = {
  minus: ['-', '_'],
  equal: ['=', '+'],
  bracket_left: ['[', '{'],
  bracket_right: [']', '}'],
  backslash: ['\\', '|'],
  semicolon: [';', ':'],
  apostrophe: ["'", '"'],
  grave_accent: ['`', '~'],
  comma: [',', '<'],
  dot: ['.', '>'],
  slash: ['/', '?'],
  ...Object.fromEntries('1234567890'.split('').map((d, i) => [d, [d, '!@#$%^&*()'[i]!]])),
  ...Object.fromEntries('abcdefghijklmnopqrstuvwxyz'.split('').map((c) => [c, [c, c.toUpperCase()]])),
};

/** One VNC key event, or a pause. */
export type VncKey = { kind: 'key'; down: boolean; keysym: number } | { kind: 'wait'; ms: number };

/** Turns boot_command's key actions into VNC key events; a held shift sends the shifted character, as VNC clients do. */
export function toVncKeys(actions: BootAction[]): VncKey[] {
  let shift = 0;
  return actions.map((a): VncKey => {
    if (a.kind === 'wait') return a;
    const down = a.kind === 'down';
    if (a.key === 'shift' || a.key === 'shift_r') shift += down ? 1 : -1;
    const special = SPECIAL[a.key];
    if (special !== undefined) return { kind: 'key', down, keysym: special };
    const printable = PRINTABLE[a.key];
    if (!printable) throw new Error(`the key "${a.key}" has no VNC keysym`);
    return { kind: 'key', down, keysym: printable[shift > 0 ? 1 : 0].charCodeAt(0) };
  });
}
