import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import type { Artifact, DiskContent } from '../../core/artifact.js';
import type { RunContext } from '../../core/plugin.js';
import { carriedDisk, measureContent, type CarriedDisk } from '../../machines/carried-disk.js';

/** An output directory a post-processor writes into, and how to take back what it wrote. */
export interface ClaimedDirectory {
  dir: string;
  /** After a failure: the directory if this run made it, else nothing (the writers leave no partial files). */
  discard(): Promise<void>;
}

/**
 * Takes `dir` for an export: made when absent, refused when it already holds files, so an
 * export never mixes with (or deletes) an older one; with -force the older one is deleted
 * first, as builders do with their output directory.
 */
export async function claimDirectory(
  dir: string,
  ctx: Pick<RunContext, 'force' | 'ui'>,
  option = 'output_directory',
): Promise<ClaimedDirectory> {
  let existed = existsSync(dir);
  if (existed && (await readdir(dir)).length > 0) {
    if (!ctx.force)
      throw new UserError(
        `the output directory ${dir} already exists and is not empty`,
        `remove it, build with -force to replace it, or set "${option}" to another directory`,
      );
    ctx.ui.say(`Deleting the previous output directory ${dir} (-force)...`);
    await rm(dir, { recursive: true, force: true });
    existed = false;
  }
  await mkdir(dir, { recursive: true });
  return {
    dir,
    async discard() {
      if (!existed) await rm(dir, { recursive: true, force: true });
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
      return await write(disk, out.dir, await measureContent(input, ctx.signal, disk));
    } catch (err) {
      await out.discard();
      throw err;
    }
  } finally {
    await disk.release();
  }
}
