import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDirectory } from '../../src/util/download.js';
import { withFileLock } from '../../src/util/file-lock.js';

const SCRIPT = path.resolve(__dirname, '../fixtures/installer-iso/build-installer-iso.sh');

/**
 * The test installer (test/fixtures/installer-iso/build-installer-iso.sh) for a base
 * disk: `iso` waits at isolinux's prompt for a boot_command, and `disk` is the image it
 * fetches over HTTP and writes to the first disk. Cached by script content and base image.
 */
export async function installerIso(baseImage: string): Promise<{ iso: string; disk: string }> {
  const digest = createHash('sha256').update(readFileSync(SCRIPT)).update(path.basename(baseImage)).digest('hex').slice(0, 16);
  const dir = path.join(cacheDirectory(), 'installer-iso', digest);
  const result = { iso: path.join(dir, 'installer.iso'), disk: path.join(dir, 'disk.img') };
  if (existsSync(result.iso)) return result;
  mkdirSync(dir, { recursive: true });
  await withFileLock(
    result.iso,
    async () => {
      if (!existsSync(result.iso)) await promisify(execFile)('sh', [SCRIPT, baseImage, dir], { maxBuffer: 16 * 1024 * 1024 });
    },
    { staleMs: 10 * 60_000 },
  );
  return result;
}
