import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDirectory } from '../../src/util/download.js';
import { withFileLock } from '../../src/util/file-lock.js';

const SCRIPT = path.resolve(__dirname, '../../templates/base/build-debian-base.sh');

/**
 * The Debian 12 base disk, built by templates/base/build-debian-base.sh on first use and
 * cached (BOXWRIGHT_CACHE_DIR, else ~/.cache/boxwright) under a name made from the
 * script's content, so a changed recipe builds anew. Test files running in parallel wait
 * for one build through the file lock.
 */
export async function debianBaseImage(): Promise<string> {
  const digest = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 16);
  const dir = path.join(cacheDirectory(), 'base-images');
  const image = path.join(dir, `debian12-${digest}.qcow2`);
  if (existsSync(image)) return image;
  mkdirSync(dir, { recursive: true });
  await withFileLock(
    image,
    async () => {
      if (!existsSync(image)) await promisify(execFile)('sh', [SCRIPT, image], { maxBuffer: 64 * 1024 * 1024 });
    },
    { staleMs: 15 * 60_000 },
  );
  return image;
}
