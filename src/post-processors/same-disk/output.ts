import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { UserError } from '../../base/errors.js';

/** An output directory a post-processor writes into, and how to take back what it wrote. */
export interface ClaimedDirectory {
  dir: string;
  /** After a failure: the directory if this run made it, else nothing (the writers leave no partial files). */
  discard(): Promise<void>;
}

/**
 * Takes `dir` for an export: made when absent, refused when it already holds files, so an
 * export never mixes with (or deletes) an older one.
 */
export async function claimDirectory(dir: string, option = 'output_directory'): Promise<ClaimedDirectory> {
  const existed = existsSync(dir);
  if (existed && (await readdir(dir)).length > 0)
    throw new UserError(
      `the output directory ${dir} already exists and is not empty`,
      `remove it, or set "${option}" to another directory`,
    );
  await mkdir(dir, { recursive: true });
  return {
    dir,
    async discard() {
      if (!existed) await rm(dir, { recursive: true, force: true });
    },
  };
}
