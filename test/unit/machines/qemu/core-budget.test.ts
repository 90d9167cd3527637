import { describe, expect, it } from 'vitest';
import { CoreBudget } from '../../../../src/machines/qemu/core-budget.js';

const never = new AbortController().signal;

describe("the host's cores, shared among a run's machines", () => {
  it('lets a machine start at once while cores are free, and makes the next wait for one to stop', async () => {
    const cores = new CoreBudget(2);
    const waits: number[] = [];
    const releaseA = await cores.take(2, never, (busy) => waits.push(busy));
    expect(waits).toEqual([]);
    let bStarted = false;
    const b = cores.take(2, never, (busy) => waits.push(busy)).then((release) => ((bStarted = true), release));
    await new Promise((r) => setTimeout(r, 10));
    expect(waits).toEqual([2]);
    expect(bStarted).toBe(false);
    releaseA();
    releaseA(); // a second release gives nothing back twice
    const releaseB = await b;
    expect(bStarted).toBe(true);
    expect(cores.available).toBe(0);
    releaseB();
    expect(cores.available).toBe(2);
  });

  it('caps a machine larger than the host at all the cores, serves in turn, and forgets a cancelled wait', async () => {
    const cores = new CoreBudget(2);
    const big = await cores.take(8, never, () => {});
    expect(cores.available).toBe(0);
    const cancel = new AbortController();
    const cancelled = cores.take(1, cancel.signal, () => {});
    const small = cores.take(1, never, () => {});
    cancel.abort();
    await expect(cancelled).rejects.toThrow('cancelled');
    big();
    const release = await small;
    expect(cores.available).toBe(1);
    release();
    expect(cores.available).toBe(2);
  });
});
