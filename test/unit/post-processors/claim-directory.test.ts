import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimDirectory } from '../../../src/post-processors/same-disk/output.js';
import { tempDir } from '../../support/cli.js';
import { runContext } from '../../support/plugin-context.js';

/** A parent folder holding an earlier export in `out`. */
function earlierExport() {
  const parent = tempDir();
  const dir = path.join(parent, 'out');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'disk.vmdk'), 'earlier');
  return { parent, dir };
}

describe("an export post-processor's output directory", () => {
  it('is refused when it holds files, without -force, and nothing is touched', async () => {
    const { parent, dir } = earlierExport();
    const { ctx } = runContext(parent);
    await expect(claimDirectory(dir, { ...ctx, force: false })).rejects.toThrow(/already exists and is not empty/);
    expect(readFileSync(path.join(dir, 'disk.vmdk'), 'utf8')).toBe('earlier');
  });

  it('with -force, gets the earlier export back when the new one fails', async () => {
    const { parent, dir } = earlierExport();
    const { ctx } = runContext(parent);
    const claimed = await claimDirectory(dir, { ...ctx, force: true });
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(path.join(dir, 'disk.vmdk'), 'half');
    await claimed.discard();
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readFileSync(path.join(dir, 'disk.vmdk'), 'utf8')).toBe('earlier');
  });

  it('with -force, deletes the earlier export once the new one is written', async () => {
    const { parent, dir } = earlierExport();
    const { ctx } = runContext(parent);
    const claimed = await claimDirectory(dir, { ...ctx, force: true });
    writeFileSync(path.join(dir, 'disk.vmdk'), 'new');
    await claimed.finish();
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readFileSync(path.join(dir, 'disk.vmdk'), 'utf8')).toBe('new');
  });

  it('goes again after a failure when the export made it', async () => {
    const parent = tempDir();
    const dir = path.join(parent, 'fresh');
    const { ctx } = runContext(parent);
    const claimed = await claimDirectory(dir, ctx);
    await claimed.discard();
    expect(existsSync(dir)).toBe(false);
  });
});
