import path from 'node:path';
import { parseGoDuration } from '../../base/duration.js';
import { messageOf } from '../../base/errors.js';
import { checkpointCap, describeCap } from '../../core/checkpoint-cap.js';
import {
  CHECKPOINT_REPOSITORY,
  checkpointImages,
  removeCheckpointImage,
} from '../../machines/docker/checkpoint-images.js';
import { dockerHost } from '../../machines/docker/engine.js';
import { LayerStore } from '../../machines/qemu/checkpoint-layers.js';
import { checkpointDirectory } from '../../util/download.js';
import { makeOutput, type CliIo } from '../io.js';

export interface CacheFlags {
  /** prune: only checkpoints older than this Go duration ("72h"). */
  olderThan?: string;
}

/** One kept checkpoint, of either kind, as the command shows and removes it. */
interface Entry {
  kind: 'docker' | 'qemu';
  /** The first characters of its key. */
  short: string;
  after: string;
  build: string;
  created: Date;
  /** What it adds over what it was kept from. */
  bytes: number;
  /** Removes it; returns how many checkpoints went (a disk layer takes those built on it along). */
  remove(): Promise<number>;
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** `boxwright cache ls` and `boxwright cache prune`: the checkpoints builds keep, and removing them. */
export async function cacheCommand(action: string, flags: CacheFlags, io: CliIo): Promise<number> {
  const output = makeOutput(io, {});
  if (action !== 'ls' && action !== 'prune') {
    output.error(`boxwright cache: unknown action "${action}"; use "ls" to list checkpoints or "prune" to remove them`);
    return 1;
  }
  let olderThanMs: number | undefined;
  if (flags.olderThan !== undefined) {
    olderThanMs = parseGoDuration(flags.olderThan);
    if (olderThanMs === undefined) {
      output.error(`-older-than: "${flags.olderThan}" is not a duration; write one such as "72h" or "30m"`);
      return 1;
    }
  }
  const store = new LayerStore(path.join(checkpointDirectory(io.env), 'qemu'));
  const entries: Entry[] = (await store.list()).map((c) => ({
    kind: 'qemu',
    short: c.key.slice(0, 12),
    after: c.after,
    build: c.build,
    created: c.savedAt,
    bytes: c.bytes,
    remove: async () => (await store.remove(c.key)).length,
  }));
  try {
    for (const image of await checkpointImages())
      entries.push({
        kind: 'docker',
        short: image.tag.slice(CHECKPOINT_REPOSITORY.length + 1, CHECKPOINT_REPOSITORY.length + 13),
        after: image.after,
        build: image.build,
        created: image.created,
        bytes: image.ownBytes,
        remove: async () => (await removeCheckpointImage(image.tag), 1),
      });
  } catch (err) {
    output.error(`Docker at ${dockerHost()} did not answer, so its checkpoints are left out: ${messageOf(err)}`);
  }
  entries.sort((a, b) => b.created.getTime() - a.created.getTime());

  if (action === 'ls') {
    if (!entries.length) {
      output.plain('No checkpoints are kept.');
      return 0;
    }
    output.plain(
      `Checkpoints (docker: images of ${CHECKPOINT_REPOSITORY}; qemu: disk layers in ${store.dir}), newest first:`,
    );
    for (const c of entries)
      output.plain(
        `  ${c.kind.padEnd(6)} ${c.short}  after provisioner ${c.after} of ${c.build}, saved ${c.created.toISOString()}, ${mib(c.bytes)}`,
      );
    const total = entries.reduce((sum, c) => sum + c.bytes, 0);
    const cap = checkpointCap(io.env);
    output.plain(
      `In all ${mib(total)}: each size is what a checkpoint adds over what it was kept from.${'bytes' in cap ? ` Builds remove the oldest beyond ${describeCap(cap.bytes)}.` : ''}`,
    );
    return 0;
  }

  const cutoff = olderThanMs === undefined ? Infinity : Date.now() - olderThanMs;
  let removed = 0;
  let failed = 0;
  // Oldest first: a disk layer takes the checkpoints built on it along, and they are newer.
  for (const c of entries.filter((e) => e.created.getTime() < cutoff).reverse()) {
    try {
      const gone = await c.remove();
      if (!gone) continue;
      removed += gone;
      output.plain(`Removed the ${c.kind} checkpoint ${c.short} (after provisioner ${c.after} of ${c.build})`);
    } catch (err) {
      failed++;
      output.error(`could not remove the ${c.kind} checkpoint ${c.short}: ${messageOf(err)}`);
    }
  }
  await store.sweep();
  output.plain(`Removed ${removed} checkpoint(s); ${entries.length - removed} kept.`);
  return failed ? 1 : 0;
}
