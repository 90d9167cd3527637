import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CancelledError } from '../base/errors.js';
import { partialNameFor } from './temp-name.js';

/**
 * Streams into `file` under a temporary name and renames it when complete, so a failed or
 * cancelled write never leaves a file that looks finished.
 */
export async function streamToFile(source: NodeJS.ReadableStream, file: string, signal: AbortSignal): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const partial = partialNameFor(file);
  try {
    await pipeline(source, createWriteStream(partial), { signal });
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    if (signal.aborted) throw new CancelledError('Build was cancelled.');
    throw err;
  }
}
