import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LayerStore } from '../../../../src/machines/qemu/checkpoint-layers.js';
import { tempDir } from '../../../support/cli.js';

/** A store with a two-layer chain: the whole disk (key a), then one provisioner's layer (key b) with its extras. */
async function storeWithChain() {
  const store = new LayerStore(tempDir());
  await store.prepare();
  const base = store.layerPath('a');
  const own = store.layerPath('b');
  const state = store.statePath('b');
  const vars = store.varsPath('b');
  writeFileSync(base, Buffer.alloc(4000));
  writeFileSync(own, Buffer.alloc(300));
  writeFileSync(state, Buffer.alloc(20));
  writeFileSync(vars, Buffer.alloc(1));
  const meta = { build: 'qemu', replay: [] };
  await store.complete('a', { ...meta, after: '1 of 2', files: [base] });
  await store.complete('b', {
    ...meta,
    after: '2 of 2',
    files: [base, own],
    state: { file: state, signature: 'sig' },
    firmwareVars: vars,
  });
  return { store, base, own, state, vars };
}

describe('the checkpoint layer store', () => {
  it('finds a complete checkpoint with its saved machine and variable store, and counts what it adds', async () => {
    const { store, own, state, vars } = await storeWithChain();
    const found = await store.find('b');
    expect(found?.files.at(-1)).toBe(own);
    expect(found?.state?.file).toBe(state);
    expect(found?.firmwareVars).toBe(vars);
    expect(found?.bytes).toBe(300 + 20 + 1);
    expect((await store.list()).map((c) => c.key).sort()).toEqual(['a', 'b']);
  });

  it('offers a checkpoint without its saved machine as its disk, and not at all without its variable store', async () => {
    const { store, state, vars } = await storeWithChain();
    rmSync(state);
    expect((await store.find('b'))?.state).toBeUndefined();
    rmSync(vars);
    // A UEFI disk without the boot entries of its time is not the machine the key names.
    expect(await store.find('b')).toBeUndefined();
    expect(await store.find('a')).toBeDefined();
  });

  it('removes a checkpoint with its own files, and keeps the layers another checkpoint uses', async () => {
    const { store, base, own, state, vars } = await storeWithChain();
    expect(await store.remove('b')).toEqual(['b']);
    for (const file of [own, state, vars]) expect(existsSync(file)).toBe(false);
    expect(existsSync(base)).toBe(true);
    // Removing the first layer takes the checkpoints built on it along.
    await store.complete('b', { build: 'qemu', replay: [], after: '2 of 2', files: [base, own] });
    writeFileSync(own, 'x');
    expect((await store.remove('a')).sort()).toEqual(['a', 'b']);
    expect(existsSync(base)).toBe(false);
  });

  it("sweeps files no checkpoint uses once they are old, and leaves a running build's young ones", async () => {
    const { store, vars } = await storeWithChain();
    const orphanVars = store.varsPath('killed');
    const young = store.layerPath('running');
    writeFileSync(orphanVars, 'x');
    writeFileSync(young, 'x');
    const longAgo = new Date(Date.now() - 24 * 3_600_000);
    utimesSync(orphanVars, longAgo, longAgo);
    utimesSync(vars, longAgo, longAgo);
    await store.sweep();
    expect(existsSync(orphanVars)).toBe(false);
    expect(existsSync(young)).toBe(true);
    // A kept checkpoint's variable store is in use, however old.
    expect(existsSync(vars)).toBe(true);
    expect(path.dirname(vars)).toBe(path.join(store.dir, 'layers'));
  });
});
