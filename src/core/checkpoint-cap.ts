import { formatSize, parseSize } from '../base/size.js';
import type { Ui } from './ui.js';

/** One kept checkpoint, as the cap sees it. */
export interface CachedCheckpoint {
  /** Its name in its store (an image tag, a file). */
  id: string;
  created: Date;
  /** The bytes it adds over what it is based on. */
  bytes: number;
}

export const CHECKPOINT_CAP_VARIABLE = 'BOXWRIGHT_CHECKPOINTS_MAX_SIZE';
const DEFAULT_CAP = '20GiB';

/** The most the checkpoints may take, from BOXWRIGHT_CHECKPOINTS_MAX_SIZE (20 GiB unless set; 0 keeps none). */
export function checkpointCap(env: NodeJS.ProcessEnv = process.env): { bytes: number } | { error: string } {
  const text = env[CHECKPOINT_CAP_VARIABLE] || DEFAULT_CAP;
  const bytes = parseSize(text);
  if (bytes === undefined)
    return {
      error: `${CHECKPOINT_CAP_VARIABLE}="${text}" is not a size; write one such as "20GiB" or "500MB" (the default is ${DEFAULT_CAP})`,
    };
  return { bytes };
}

/**
 * The checkpoints to remove, oldest first, so that the others fit in `capBytes`. Those in
 * `keep` (what the running build just saved) are never chosen, even when they alone are
 * over the cap.
 */
export function beyondCap<T extends CachedCheckpoint>(entries: T[], capBytes: number, keep: ReadonlySet<string>): T[] {
  let total = entries.reduce((sum, e) => sum + e.bytes, 0);
  const doomed: T[] = [];
  for (const e of [...entries].sort((a, b) => a.created.getTime() - b.created.getTime())) {
    if (total <= capBytes) break;
    if (keep.has(e.id)) continue;
    doomed.push(e);
    total -= e.bytes;
  }
  return doomed;
}

export function describeCap(capBytes: number): string {
  return `${formatSize(capBytes)} (${CHECKPOINT_CAP_VARIABLE})`;
}

/** A checkpoint the cap may remove: what the line saying so names. */
export interface PrunableCheckpoint extends CachedCheckpoint {
  /** How the line names it (an image tag, a key's first characters). */
  name: string;
  /** "2 of 3". */
  after: string;
  build: string;
}

/**
 * Removes the oldest checkpoints beyond the cap, never those in `keep`, and says so for
 * each. `remove` returns the ids it removed: none when it must leave the entry, several
 * when a disk layer takes the checkpoints built on it along (not removed twice). A store
 * that fails is a warning: the build that keeps checkpoints goes on.
 */
export async function pruneBeyondCap<T extends PrunableCheckpoint>(
  entries: () => Promise<T[]>,
  maxBytes: number,
  keep: ReadonlySet<string>,
  remove: (entry: T) => Promise<readonly string[]>,
  ui: Ui,
  errorText: (err: unknown) => string,
): Promise<void> {
  try {
    const gone = new Set<string>();
    for (const old of beyondCap(await entries(), maxBytes, keep)) {
      if (gone.has(old.id)) continue;
      const removed = await remove(old);
      for (const id of removed) gone.add(id);
      if (removed.includes(old.id))
        ui.message(
          `Removed the checkpoint ${old.name} (after provisioner ${old.after} of ${old.build}): checkpoints may take ${describeCap(maxBytes)}`,
        );
    }
  } catch (err) {
    ui.error(`Warning: could not remove old checkpoints: ${errorText(err)}`);
  }
}
