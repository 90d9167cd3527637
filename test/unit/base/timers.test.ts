import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/base/errors.js';
import { setLongTimeout } from '../../../src/base/timers.js';

const after = (ms: number) => new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms));

describe('long delays (past Node timers’ 24.8-day limit)', () => {
  it('a 30-day sleep is still waiting, not over at once, and cancels', async () => {
    const controller = new AbortController();
    const long = sleep(30 * 24 * 3600 * 1000, controller.signal);
    expect(await Promise.race([long.then(() => 'fired' as const), after(100)])).toBe('waiting');
    controller.abort();
    await expect(long).rejects.toThrow(/cancelled/);
  });

  it('fires once, when the whole delay is over, across chunks', async () => {
    const fired: number[] = [];
    const started = Date.now();
    setLongTimeout(() => fired.push(Date.now() - started), 120, 25);
    await after(60);
    expect(fired).toEqual([]);
    await after(120);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(115);
  });

  it('can be cleared between chunks', async () => {
    let fired = false;
    const timer = setLongTimeout(() => (fired = true), 80, 20);
    await after(30);
    timer.clear();
    await after(100);
    expect(fired).toBe(false);
  });
});
