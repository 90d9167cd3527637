import { parseGoDuration } from '../base/duration.js';

/** One thing to do while typing a boot command: a key goes down or up, or a pause. */
export type BootAction = { kind: 'down'; key: string } | { kind: 'up'; key: string } | { kind: 'wait'; ms: number };

/** Packer's special keys, as QEMU qcodes. */
const SPECIAL: Record<string, string> = {
  bs: 'backspace',
  del: 'delete',
  enter: 'ret',
  return: 'ret',
  esc: 'esc',
  tab: 'tab',
  spacebar: 'spc',
  insert: 'insert',
  home: 'home',
  end: 'end',
  pageup: 'pgup',
  pagedown: 'pgdn',
  up: 'up',
  down: 'down',
  left: 'left',
  right: 'right',
  leftalt: 'alt',
  rightalt: 'alt_r',
  leftctrl: 'ctrl',
  rightctrl: 'ctrl_r',
  leftshift: 'shift',
  rightshift: 'shift_r',
  leftsuper: 'meta_l',
  rightsuper: 'meta_r',
  menu: 'menu',
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i + 1}`, `f${i + 1}`])),
};

// A US keyboard: the unshifted and shifted character on each key.
const KEYS: [string, string, string][] = [
  ['1', '!', '1'],
  ['2', '@', '2'],
  ['3', '#', '3'],
  ['4', '$', '4'],
  ['5', '%', '5'],
  ['6', '^', '6'],
  ['7', '&', '7'],
  ['8', '*', '8'],
  ['9', '(', '9'],
  ['0', ')', '0'],
  ['-', '_', 'minus'],
  ['=', '+', 'equal'],
  ['[', '{', 'bracket_left'],
  [']', '}', 'bracket_right'],
  ['\\', '|', 'backslash'],
  [';', ':', 'semicolon'],
  ["'", '"', 'apostrophe'],
  ['`', '~', 'grave_accent'],
  [',', '<', 'comma'],
  ['.', '>', 'dot'],
  ['/', '?', 'slash'],
  [' ', ' ', 'spc'],
];
const CHARS = new Map<string, { key: string; shift: boolean }>();
for (const [plain, shifted, key] of KEYS) {
  CHARS.set(plain, { key, shift: false });
  if (shifted !== plain) CHARS.set(shifted, { key, shift: true });
}
for (let c = 97; c <= 122; c++) {
  const ch = String.fromCharCode(c);
  CHARS.set(ch, { key: ch, shift: false });
  CHARS.set(ch.toUpperCase(), { key: ch, shift: true });
}
CHARS.set('\n', { key: 'ret', shift: false });
CHARS.set('\t', { key: 'tab', shift: false });

export class BootCommandError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Turns boot_command text into key events, as Packer reads it: `<enter>`, `<f1>`,
 * `<leftCtrlOn>`/`<leftCtrlOff>` to hold and release, `<wait>` (1 s), `<wait5>`,
 * `<wait1m30s>`, and every other character typed, with shift where a US keyboard needs it.
 * `warnings` receives `<tokens>` that are not keys and so are typed as written.
 */
export function parseBootCommand(text: string, warnings: string[] = []): BootAction[] {
  const actions: BootAction[] = [];
  const press = (key: string) => actions.push({ kind: 'down', key }, { kind: 'up', key });
  let i = 0;
  while (i < text.length) {
    if (text[i] === '<') {
      const close = text.indexOf('>', i + 1);
      const token = close > i ? text.slice(i + 1, close) : '';
      const special = token ? special_(token, i) : undefined;
      if (special) {
        for (const a of special) actions.push(a);
        i = close + 1;
        continue;
      }
      if (token && /^[A-Za-z][A-Za-z0-9]*$/.test(token))
        warnings.push(`<${token}> is not a special key, so it is typed as written`);
    }
    const ch = text[i]!;
    const mapped = CHARS.get(ch);
    if (!mapped) throw new BootCommandError(`"${ch}" cannot be typed on a US keyboard`, i);
    if (mapped.shift) actions.push({ kind: 'down', key: 'shift' });
    press(mapped.key);
    if (mapped.shift) actions.push({ kind: 'up', key: 'shift' });
    i++;
  }
  return actions;

  function special_(token: string, at: number): BootAction[] | undefined {
    const lower = token.toLowerCase();
    const wait = /^wait(.*)$/.exec(lower);
    if (wait) {
      const arg = wait[1]!;
      if (arg === '') return [{ kind: 'wait', ms: 1000 }];
      if (/^\d+$/.test(arg)) return [{ kind: 'wait', ms: Number(arg) * 1000 }];
      const ms = parseGoDuration(arg);
      if (ms === undefined)
        throw new BootCommandError(`<${token}> is not a wait: write <wait>, <wait5> or <wait1m30s>`, at);
      return [{ kind: 'wait', ms }];
    }
    const hold = /^(.+?)(on|off)$/.exec(lower);
    if (hold && SPECIAL[hold[1]!]) return [{ kind: hold[2] === 'on' ? 'down' : 'up', key: SPECIAL[hold[1]!]! }];
    if (hold && hold[1]!.length === 1 && CHARS.has(hold[1]!))
      return [{ kind: hold[2] === 'on' ? 'down' : 'up', key: CHARS.get(hold[1]!)!.key }];
    const key = SPECIAL[lower];
    return key
      ? [
          { kind: 'down', key },
          { kind: 'up', key },
        ]
      : undefined;
  }
}
