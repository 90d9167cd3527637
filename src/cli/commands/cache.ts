import { checkpointCap, describeCap } from '../../core/checkpoint-cap.js';
import { parseGoDuration } from '../../base/duration.js';
import { messageOf } from '../../base/errors.js';
import {
  CHECKPOINT_REPOSITORY,
  checkpointImages,
  removeCheckpointImage,
  type CheckpointImage,
} from '../../machines/docker/checkpoint-images.js';
import { dockerHost } from '../../machines/docker/engine.js';
import { makeOutput, type CliIo } from '../io.js';

export interface CacheFlags {
  /** prune: only checkpoints older than this Go duration ("72h"). */
  olderThan?: string;
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
  let checkpoints: CheckpointImage[];
  try {
    checkpoints = await checkpointImages();
  } catch (err) {
    output.error(`cannot reach Docker at ${dockerHost()} to read its checkpoints: ${messageOf(err)}`);
    return 1;
  }
  if (action === 'ls') {
    if (!checkpoints.length) {
      output.plain('No checkpoints are kept.');
      return 0;
    }
    output.plain(`Checkpoints of docker builds (images of ${CHECKPOINT_REPOSITORY}, newest first):`);
    for (const c of checkpoints)
      output.plain(
        `  ${c.tag.slice(CHECKPOINT_REPOSITORY.length + 1, CHECKPOINT_REPOSITORY.length + 13)}  after provisioner ${c.after} of ${c.build}, saved ${c.created.toISOString()}, ${mib(c.ownBytes)}`,
      );
    const total = checkpoints.reduce((sum, c) => sum + c.ownBytes, 0);
    const cap = checkpointCap(io.env);
    output.plain(
      `In all ${mib(total)}: each size is what a checkpoint adds over the image it was kept from.${'bytes' in cap ? ` Builds remove the oldest beyond ${describeCap(cap.bytes)}.` : ''}`,
    );
    return 0;
  }
  const cutoff = olderThanMs === undefined ? Infinity : Date.now() - olderThanMs;
  const doomed = checkpoints.filter((c) => c.created.getTime() < cutoff);
  let failed = 0;
  for (const c of doomed) {
    try {
      await removeCheckpointImage(c.tag);
      output.plain(`Removed the checkpoint ${c.tag} (after provisioner ${c.after} of ${c.build})`);
    } catch (err) {
      failed++;
      output.error(`could not remove ${c.tag}: ${messageOf(err)}`);
    }
  }
  output.plain(`Removed ${doomed.length - failed} checkpoint(s); ${checkpoints.length - doomed.length + failed} kept.`);
  return failed ? 1 : 0;
}
