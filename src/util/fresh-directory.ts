import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { partialNameFor } from './temp-name.js';

/** An output directory made ready for a new output, and what was there before. */
export interface FreshDirectory {
  /** Whether the path existed before (empty, or holding the output now moved aside). */
  existed: boolean;
  /** Where -force moved the earlier output; the caller deletes it once the new one is good, or puts it back. */
  previous: string | undefined;
}

/**
 * Makes `dir` an empty directory for a new output. One that holds files is refused with
 * `refusal()`, unless `force`: then it is moved aside under a partial name beside it, so a
 * failed build can put it back instead of having deleted it first.
 */
export async function freshDirectory(dir: string, force: boolean, refusal: () => Error): Promise<FreshDirectory> {
  const existed = existsSync(dir);
  let previous: string | undefined;
  if (existed && (await readdir(dir)).length > 0) {
    if (!force) throw refusal();
    previous = partialNameFor(`${dir}.previous`);
    await rename(dir, previous);
  }
  await mkdir(dir, { recursive: true });
  return { existed, previous };
}
