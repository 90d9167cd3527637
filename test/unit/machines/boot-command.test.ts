import { describe, expect, it } from 'vitest';
import { BootCommandError, parseBootCommand, type BootAction } from '../../../src/machines/boot-command.js';

/** Compact form for assertions: +key down, -key up, ~ms wait. */
const compact = (actions: BootAction[]) =>
  actions.map((a) => (a.kind === 'wait' ? `~${a.ms}` : `${a.kind === 'down' ? '+' : '-'}${a.key}`)).join(' ');

describe('boot_command key language', () => {
  it('types plain characters, with shift for capitals and symbols', () => {
    expect(compact(parseBootCommand('aZ1!'))).toBe('+a -a +shift +z -z -shift +1 -1 +shift +1 -1 -shift');
    expect(compact(parseBootCommand('a b/c:'))).toBe(
      '+a -a +spc -spc +b -b +slash -slash +c -c +shift +semicolon -semicolon -shift',
    );
  });

  it('presses special keys, case-insensitively', () => {
    expect(compact(parseBootCommand('<esc><Enter><return><f12><pageUp><spacebar><bs><del><tab>'))).toBe(
      '+esc -esc +ret -ret +ret -ret +f12 -f12 +pgup -pgup +spc -spc +backspace -backspace +delete -delete +tab -tab',
    );
  });

  it('holds and releases modifiers with On and Off', () => {
    expect(compact(parseBootCommand('<leftCtrlOn>x<leftCtrlOff><leftAltOn><f2><leftAltOff>'))).toBe(
      '+ctrl +x -x -ctrl +alt +f2 -f2 -alt',
    );
  });

  it('waits for <wait>, <waitN> and <waitDURATION>', () => {
    expect(compact(parseBootCommand('<wait><wait5><wait10><wait1m30s><wait250ms>'))).toBe(
      '~1000 ~5000 ~10000 ~90000 ~250',
    );
  });

  it('types an unknown <token> as written, with a warning', () => {
    const warnings: string[] = [];
    expect(compact(parseBootCommand('<entr>', warnings))).toBe(
      '+shift +comma -comma -shift +e -e +n -n +t -t +r -r +shift +dot -dot -shift',
    );
    expect(warnings).toEqual(['<entr> is not a special key, so it is typed as written']);
  });

  it('types a lone < and text like a<b as characters', () => {
    expect(compact(parseBootCommand('a<b'))).toBe('+a -a +shift +comma -comma -shift +b -b');
  });

  it('rejects a malformed wait and a character no US keyboard has', () => {
    expect(() => parseBootCommand('<waitabc>')).toThrow(BootCommandError);
    expect(() => parseBootCommand('é')).toThrow('"é" cannot be typed on a US keyboard');
  });

  it('reads a real preseed boot line', () => {
    const actions = parseBootCommand('<esc><wait>auto url=http://10.0.2.2:8080/preseed.cfg<enter>');
    expect(actions[0]).toEqual({ kind: 'down', key: 'esc' });
    expect(actions.filter((a) => a.kind === 'wait')).toEqual([{ kind: 'wait', ms: 1000 }]);
    expect(actions.at(-1)).toEqual({ kind: 'up', key: 'ret' });
  });
});
