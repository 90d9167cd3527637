import type { BootAction } from '../boot-command.js';

// PC keyboard scancode set 1 make codes for QEMU's qcodes; an "e0" prefix marks extended keys.
const MAKE: Record<string, string> = {
  esc: '01',
  '1': '02',
  '2': '03',
  '3': '04',
  '4': '05',
  '5': '06',
  '6': '07',
  '7': '08',
  '8': '09',
  '9': '0a',
  '0': '0b',
  minus: '0c',
  equal: '0d',
  backspace: '0e',
  tab: '0f',
  q: '10',
  w: '11',
  e: '12',
  r: '13',
  t: '14',
  y: '15',
  u: '16',
  i: '17',
  o: '18',
  p: '19',
  bracket_left: '1a',
  bracket_right: '1b',
  ret: '1c',
  ctrl: '1d',
  a: '1e',
  s: '1f',
  d: '20',
  f: '21',
  g: '22',
  h: '23',
  j: '24',
  k: '25',
  l: '26',
  semicolon: '27',
  apostrophe: '28',
  grave_accent: '29',
  shift: '2a',
  backslash: '2b',
  z: '2c',
  x: '2d',
  c: '2e',
  v: '2f',
  b: '30',
  n: '31',
  m: '32',
  comma: '33',
  dot: '34',
  slash: '35',
  shift_r: '36',
  alt: '38',
  spc: '39',
  caps_lock: '3a',
  f1: '3b',
  f2: '3c',
  f3: '3d',
  f4: '3e',
  f5: '3f',
  f6: '40',
  f7: '41',
  f8: '42',
  f9: '43',
  f10: '44',
  f11: '57',
  f12: '58',
  ctrl_r: 'e0 1d',
  alt_r: 'e0 38',
  home: 'e0 47',
  up: 'e0 48',
  pgup: 'e0 49',
  left: 'e0 4b',
  right: 'e0 4d',
  end: 'e0 4f',
  down: 'e0 50',
  pgdn: 'e0 51',
  insert: 'e0 52',
  delete: 'e0 53',
  meta_l: 'e0 5b',
  meta_r: 'e0 5c',
  menu: 'e0 5d',
};

/** What `VBoxManage controlvm NAME keyboardputscancode` gets: groups of codes, with pauses between. */
export type ScancodeBatch = { kind: 'codes'; codes: string[] } | { kind: 'wait'; ms: number };

/**
 * Turns boot command actions into scancode batches: a key going up sends its make code
 * with the high bit set. Batches stay short, as VirtualBox drops codes from very long lines.
 */
export function toScancodes(actions: BootAction[], maxCodesPerBatch = 32): ScancodeBatch[] {
  const batches: ScancodeBatch[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length) batches.push({ kind: 'codes', codes: current });
    current = [];
  };
  for (const action of actions) {
    if (action.kind === 'wait') {
      flush();
      batches.push({ kind: 'wait', ms: action.ms });
      continue;
    }
    const make = MAKE[action.key];
    if (!make) throw new Error(`the key "${action.key}" has no PC scancode`);
    const bytes = make.split(' ');
    const last = bytes.pop()!;
    const code = action.kind === 'down' ? last : (parseInt(last, 16) | 0x80).toString(16).padStart(2, '0');
    const group = [...bytes, code];
    if (current.length + group.length > maxCodesPerBatch) flush();
    current.push(...group);
  }
  flush();
  return batches;
}
