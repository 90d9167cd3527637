import { randomBytes } from 'node:crypto';

/**
 * A name to write `file` under until it is complete, then rename: unique to this writer, so
 * two builds of one run (one process) writing one target never write into each other's.
 */
export function partialNameFor(file: string): string {
  return `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
}
