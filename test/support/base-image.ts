import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDirectory } from '../../src/util/download.js';
import { buildFixtureOnce, fixtureDigest } from './fixture-cache.js';

const SCRIPT = path.resolve(__dirname, '../../templates/base/build-debian-base.sh');
const EXPORT_ROOTFS = path.resolve(__dirname, '../../templates/base/export-rootfs.sh');
const CLOUD = path.resolve(__dirname, '../../templates/base/cloud');

/** The recipe: the script and the cloud-init files it copies in. */
function baseDigest(): string {
  const cloudFiles = readdirSync(CLOUD)
    .sort()
    .map((f) => `${f}\0${readFileSync(path.join(CLOUD, f), 'utf8')}`);
  return fixtureDigest(SCRIPT, ...cloudFiles);
}

/**
 * The Debian 12 base disk, built by templates/base/build-debian-base.sh on first use and
 * cached (BOXWRIGHT_CACHE_DIR, else ~/.cache/boxwright) under a name made from the
 * recipe's content, so a changed recipe builds anew. Test files running in parallel wait
 * for one build through the file lock.
 */
export async function debianBaseImage(): Promise<string> {
  const image = path.join(cacheDirectory(), 'base-images', `debian12-${baseDigest()}.qcow2`);
  await buildFixtureOnce(image, SCRIPT, [image], 15 * 60_000);
  return image;
}

/**
 * The base disk's root file system as a tar for `docker import` (templates/base/export-rootfs.sh),
 * cached beside the disk under the name `npm run demo` uses too.
 */
export async function debianBaseRootfs(): Promise<{ tar: string; digest: string }> {
  const image = await debianBaseImage();
  const digest = fixtureDigest(EXPORT_ROOTFS, baseDigest());
  const tar = path.join(cacheDirectory(), 'base-images', `debian12-rootfs-${digest}.tar`);
  await buildFixtureOnce(tar, EXPORT_ROOTFS, [image, tar], 5 * 60_000);
  return { tar, digest };
}
