import { describe, expect, it } from 'vitest';
import { parseSize } from '../../../src/base/size.js';
import { beyondCap, checkpointCap, pruneBeyondCap } from '../../../src/core/checkpoint-cap.js';

const MiB = 1024 ** 2;
const at = (minute: number) => new Date(Date.UTC(2026, 11, 4, 12, minute));

describe('the checkpoint cap', () => {
  it('reads sizes with binary and decimal units, and refuses what is not one', () => {
    expect(parseSize('20GiB')).toBe(20 * 1024 ** 3);
    expect(parseSize('500MB')).toBe(500_000_000);
    expect(parseSize('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('0')).toBe(0);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseSize('5 parsecs')).toBeUndefined();
    expect(checkpointCap({})).toEqual({ bytes: 20 * 1024 ** 3 });
    expect(checkpointCap({ BOXWRIGHT_CHECKPOINTS_MAX_SIZE: 'big' })).toEqual({
      error: expect.stringMatching(/^BOXWRIGHT_CHECKPOINTS_MAX_SIZE="big" is not a size; write one such as "20GiB"/),
    });
  });

  it('removes the oldest first until the rest fit, and never what the running build just kept', () => {
    const kept = [
      { id: 'newest', created: at(30), bytes: 300 * MiB },
      { id: 'oldest', created: at(10), bytes: 100 * MiB },
      { id: 'middle', created: at(20), bytes: 200 * MiB },
    ];
    expect(beyondCap(kept, 600 * MiB, new Set()).map((c) => c.id)).toEqual([]);
    expect(beyondCap(kept, 500 * MiB, new Set()).map((c) => c.id)).toEqual(['oldest']);
    expect(beyondCap(kept, 300 * MiB, new Set()).map((c) => c.id)).toEqual(['oldest', 'middle']);
    // The build's own checkpoints stay even when they alone are over the cap.
    expect(beyondCap(kept, 0, new Set(['oldest', 'newest'])).map((c) => c.id)).toEqual(['middle']);
  });

  it('says what it removed, removes what a layer took along only once, and warns when the store fails', async () => {
    const lines: string[] = [];
    const ui = { say: () => {}, message: (l: string) => lines.push(l), error: (l: string) => lines.push(`! ${l}`) };
    const entry = (id: string, minute: number) => ({
      id,
      name: id,
      after: '1 of 2',
      build: 'app',
      created: at(minute),
      bytes: 100 * MiB,
    });
    const entries = [entry('base', 1), entry('on-base', 2), entry('pinned', 3), entry('recent', 4)];
    const removed: string[] = [];
    // Removing "base" takes "on-base" along; "pinned" must stay (its layer is in use).
    const remove = async (e: { id: string }) => {
      if (e.id === 'pinned') return [];
      removed.push(e.id);
      return e.id === 'base' ? ['base', 'on-base'] : [e.id];
    };
    await pruneBeyondCap(async () => entries, 100 * MiB, new Set(['recent']), remove, ui, String);
    expect(removed).toEqual(['base']);
    expect(lines).toEqual([
      `Removed the checkpoint base (after provisioner 1 of 2 of app): checkpoints may take 100.0 MiB (BOXWRIGHT_CHECKPOINTS_MAX_SIZE)`,
    ]);

    lines.length = 0;
    const broken = async () => {
      throw new Error('store unreadable');
    };
    await pruneBeyondCap(broken, 0, new Set(), remove, ui, (e) => (e as Error).message);
    expect(lines).toEqual(['! Warning: could not remove old checkpoints: store unreadable']);
  });
});
