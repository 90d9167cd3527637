import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = path.resolve(__dirname, '../../templates/base/build-debian-base.sh');

/** Where built base images are kept between runs: BOXWRIGHT_CACHE_DIR, else ~/.cache/boxwright. */
export function cacheDir(): string {
  return process.env.BOXWRIGHT_CACHE_DIR ?? path.join(homedir(), '.cache', 'boxwright');
}

/**
 * The Debian 12 base disk, built by templates/base/build-debian-base.sh on first use and
 * cached under a name made from the script's content, so a changed recipe builds anew.
 * Test files running in parallel wait for one build through a lock directory.
 */
export async function debianBaseImage(): Promise<string> {
  const digest = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir(), 'base-images');
  const image = path.join(dir, `debian12-${digest}.qcow2`);
  if (existsSync(image)) return image;
  mkdirSync(dir, { recursive: true });
  const lock = `${image}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file builds it; a lock older than 15 minutes is from a dead run.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs! > 15 * 60_000) rmdirSync(lock);
      await new Promise((r) => setTimeout(r, 1000));
      if (existsSync(image)) return image;
    }
  }
  try {
    if (!existsSync(image)) await promisify(execFile)('sh', [SCRIPT, image], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmdirSync(lock);
  }
  return image;
}
