import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

const DIR = path.resolve(__dirname, '../../bench-results');

/**
 * Writes one benchmark's figures as bench-results/NAME.json (kept out of git), with when and
 * where they were measured, so the next run can be compared with this one.
 */
export function recordResults(name: string, figures: Record<string, unknown>): string {
  mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `${name}.json`);
  const record = {
    benchmark: name,
    measuredAt: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    ...figures,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
