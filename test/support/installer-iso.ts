import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { cacheDirectory } from '../../src/util/download.js';
import { buildFixtureOnce, fixtureDigest } from './fixture-cache.js';

const SCRIPT = path.resolve(__dirname, '../fixtures/installer-iso/build-installer-iso.sh');

/**
 * The test installer (test/fixtures/installer-iso/build-installer-iso.sh) for a base
 * disk: `iso` waits at isolinux's prompt for a boot_command, and `disk` is the image it
 * fetches over HTTP and writes to the first disk. Cached by script content and base image.
 */
export async function installerIso(baseImage: string): Promise<{ iso: string; disk: string }> {
  const dir = path.join(cacheDirectory(), 'installer-iso', fixtureDigest(SCRIPT, path.basename(baseImage)));
  const result = { iso: path.join(dir, 'installer.iso'), disk: path.join(dir, 'disk.img') };
  await buildFixtureOnce(result.iso, SCRIPT, [baseImage, dir], 10 * 60_000);
  return result;
}

/**
 * The builder options that install from the test installer, serving its disk image from
 * DIR/http. The installer waits at its boot: prompt; only the typed boot_command tells it
 * where the disk image is, so a build gets to SSH only if boot_command and http_directory work.
 */
export function installFromTestIso(dir: string, installer: { iso: string; disk: string }): Record<string, unknown> {
  mkdirSync(path.join(dir, 'http'));
  symlinkSync(installer.disk, path.join(dir, 'http', 'debian.img'));
  return {
    iso_url: installer.iso,
    iso_checksum: 'none',
    http_directory: 'http',
    boot_wait: '3s',
    boot_command: ['install boxwright.url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/debian.img<enter>'],
    ssh_username: 'vagrant',
    ssh_password: 'vagrant',
    shutdown_command: 'sudo poweroff',
  };
}
