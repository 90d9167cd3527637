import path from 'node:path';
import { cacheDirectory } from '../../src/util/download.js';
import { buildFixtureOnce, fixtureDigest } from './fixture-cache.js';

const SCRIPT = path.resolve(__dirname, '../fixtures/efi-disk/build-efi-disk.sh');

/**
 * The base disk with an EFI system partition added (test/fixtures/efi-disk/build-efi-disk.sh):
 * it boots under BIOS and UEFI alike. Cached by script content and base image.
 */
export async function efiDisk(baseImage: string): Promise<string> {
  const disk = path.join(
    cacheDirectory(),
    'efi-disk',
    `debian12-efi-${fixtureDigest(SCRIPT, path.basename(baseImage))}.qcow2`,
  );
  await buildFixtureOnce(disk, SCRIPT, [baseImage, disk], 10 * 60_000);
  return disk;
}
