import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDirectory } from '../../src/util/download.js';
import { withFileLock } from '../../src/util/file-lock.js';

const SCRIPT = path.resolve(__dirname, '../fixtures/efi-disk/build-efi-disk.sh');

/**
 * The base disk with an EFI system partition added (test/fixtures/efi-disk/build-efi-disk.sh):
 * it boots under BIOS and UEFI alike. Cached by script content and base image.
 */
export async function efiDisk(baseImage: string): Promise<string> {
  const digest = createHash('sha256').update(readFileSync(SCRIPT)).update(path.basename(baseImage)).digest('hex').slice(0, 16);
  const dir = path.join(cacheDirectory(), 'efi-disk');
  const disk = path.join(dir, `debian12-efi-${digest}.qcow2`);
  if (existsSync(disk)) return disk;
  mkdirSync(dir, { recursive: true });
  await withFileLock(disk, async () => {
    if (!existsSync(disk)) await promisify(execFile)('sh', [SCRIPT, baseImage, disk], { maxBuffer: 16 * 1024 * 1024 });
  }, { staleMs: 10 * 60_000 });
  return disk;
}
