import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMark } from './run-mark.js';

/** boxwright's own scratch directories in the system's temp folder that still exist. */
const live = new Set<string>();

/**
 * A fresh directory under the system's temp folder, known to removeAllTempDirsNow and named
 * with this run's mark and `kind` (boxwright-pid4242-qemu-XXXXXX), so that `boxwright cleanup`
 * can find it if this process is killed.
 */
export async function makeTempDir(kind: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `${runMark()}-${kind}-`));
  live.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  live.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

/**
 * Removes every scratch directory at once, synchronously: a second Ctrl-C stops without the
 * builds' cleanup, but leaves no scripts or keys of ours in /tmp, so that what it lists as
 * left behind is all that is. Returns the directories it removed.
 */
export function removeAllTempDirsNow(): string[] {
  const removed = [...live];
  for (const dir of removed) rmSync(dir, { recursive: true, force: true });
  live.clear();
  return removed;
}
