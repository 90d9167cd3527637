import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import type { Artifact, DiskContent } from '../../core/artifact.js';
import type { RunContext } from '../../core/plugin.js';
import { carriedDisk, measureContent, type CarriedDisk } from '../../machines/carried-disk.js';
import { freshDirectory } from '../../util/fresh-directory.js';

/** An output directory a post-processor writes into, and how to take back what it wrote. */
export interface ClaimedDirectory {
  dir: string;
  /**
   * After a failure: the directory goes if this run made it (the writers leave no partial
   * files), and the output -force moved aside comes back.
   */
  discard(): Promise<void>;
  /** After success: the output -force moved aside is deleted. */
  finish(): Promise<void>;
}

/**
 * Takes `dir` for an export: made when absent, refused when it already holds files, so an
 * export never mixes with (or deletes) an older one. With -force the older one is moved
 * aside and deleted only once the new export is written, as builders do with their output
 * directory: a failed export leaves the older one as it was.
 */
export async function claimDirectory(
  dir: string,
  ctx: Pick<RunContext, 'force' | 'ui'>,
  option = 'output_directory',
): Promise<ClaimedDirectory> {
  const fresh = await freshDirectory(
    dir,
    ctx.force,
    () =>
      new UserError(
        `the output directory ${dir} already exists and is not empty`,
        `remove it, build with -force to replace it, or set "${option}" to another directory`,
      ),
  );
  const existed = fresh.existed;
  let previous = fresh.previous;
  if (previous)
    ctx.ui.say(`Moved the previous output directory ${dir} aside (-force): it is deleted once the export is written`);
  return {
    dir,
    async discard() {
      if (!existed || previous) await rm(dir, { recursive: true, force: true });
      if (previous) await rename(previous, dir);
      previous = undefined;
    },
    async finish() {
      if (previous) await rm(previous, { recursive: true, force: true });
      previous = undefined;
    },
  };
}

/**
 * The frame of an export post-processor: finds the disk the input carries, takes the
 * output directory, measures the disk's content once, and runs `write` into the directory;
 * on failure the directory goes again if the export made it, and unpacked files always go.
 */
export async function exportDisk<T>(
  input: Artifact,
  outputDirectory: string,
  ctx: RunContext,
  write: (disk: CarriedDisk, dir: string, content: DiskContent) => Promise<T>,
): Promise<T> {
  const disk = await carriedDisk(input, ctx.signal);
  try {
    const out = await claimDirectory(path.resolve(ctx.cwd, outputDirectory), ctx);
    try {
      const written = await write(disk, out.dir, await measureContent(input, ctx.signal, disk));
      await out.finish();
      return written;
    } catch (err) {
      await out.discard();
      throw err;
    }
  } finally {
    await disk.release();
  }
}
