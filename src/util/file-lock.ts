import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { sleep } from '../base/errors.js';

// Within one process, tasks on the same file run one after another.
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` while holding `file`'s lock: queued behind other tasks of this process, and
 * guarded against other processes by a `<file>.lock` directory (mkdir is atomic). A lock
 * left by a dead process is taken over after `staleMs`.
 */
export function withFileLock<T>(
  file: string,
  task: () => Promise<T>,
  options: { signal?: AbortSignal; staleMs?: number } = {},
): Promise<T> {
  const run = async () => {
    const lock = `${file}.lock`;
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > (options.staleMs ?? 10 * 60_000)) rmdirSync(lock);
        await sleep(200, options.signal ?? new AbortController().signal);
      }
    }
    try {
      return await task();
    } finally {
      rmdirSync(lock);
    }
  };
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous.then(run, run);
  queues.set(
    file,
    next.catch(() => undefined),
  );
  return next;
}
