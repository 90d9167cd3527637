import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { withFileLock } from '../../src/util/file-lock.js';

/** A short name for a fixture recipe: its script's content plus anything else it is made from. */
export function fixtureDigest(script: string, ...inputs: string[]): string {
  const hash = createHash('sha256').update(readFileSync(script));
  for (const input of inputs) hash.update(input);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Runs `sh script args` unless `done` exists. Test files running in parallel wait for
 * one run through the file lock; a run that did not finish leaves no `done`.
 */
export async function buildFixtureOnce(done: string, script: string, args: string[], staleMs: number): Promise<void> {
  if (existsSync(done)) return;
  mkdirSync(path.dirname(done), { recursive: true });
  await withFileLock(
    done,
    async () => {
      if (!existsSync(done)) await promisify(execFile)('sh', [script, ...args], { maxBuffer: 64 * 1024 * 1024 });
    },
    { staleMs },
  );
}
