import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runIsOver } from './run-mark.js';

/** A `boxwright build` that has started, kept on disk until it ends, so the next run can tell it was killed. */
export interface RunRecord {
  pid: number;
  template: string;
  /** ISO time. */
  started: string;
  /** Where the record is; one process may run several builds at once (tests do). */
  file: string;
}

const recordsDir = (cacheDir: string) => path.join(cacheDir, 'runs');

/** Notes that this process runs a build of `template`. Synchronous, so that a second Ctrl-C can forget it too. */
export function recordRun(cacheDir: string, template: string): RunRecord {
  mkdirSync(recordsDir(cacheDir), { recursive: true });
  const file = path.join(recordsDir(cacheDir), `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const record = { pid: process.pid, template, started: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(record)}\n`);
  return { ...record, file };
}

export function forgetRun(record: RunRecord): void {
  rmSync(record.file, { force: true });
}

/** The recorded runs whose process is gone without forgetting them: killed, or the machine went down. */
export function runsThatDied(cacheDir: string): RunRecord[] {
  let names: string[];
  try {
    names = readdirSync(recordsDir(cacheDir));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const file = path.join(recordsDir(cacheDir), name);
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as Omit<RunRecord, 'file'>;
      return Number.isInteger(record.pid) && runIsOver(record.pid) ? [{ ...record, file }] : [];
    } catch {
      return []; // Being written, or not ours.
    }
  });
}
