import { readFile, rename, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { withFileLock } from '../util/file-lock.js';
import { partialNameFor } from '../util/temp-name.js';

/** One provider's box of one version, as recorded in a catalog. */
export interface CatalogEntry {
  name: string;
  description?: string;
  version: string;
  provider: string;
  /** Absolute path of the box; written as a file:// URL (Vagrant resolves relative URLs against its cwd). */
  boxPath: string;
  sha256: string;
  architecture?: string;
}

interface Catalog {
  name: string;
  description?: string;
  versions: {
    version: string;
    providers: { name: string; url: string; checksum_type: string; checksum: string; architecture?: string }[];
  }[];
}

/** Vagrant takes X.Y.Z versions (RubyGems); anything else is refused at `vagrant box add`. */
export function isBoxVersion(v: string): boolean {
  return /^\d+(\.\d+){0,2}$/.test(v);
}

/** A date-based version that sorts in time order: 2026.1121.221530. */
export function versionFromDate(d: Date): string {
  return `${d.getUTCFullYear()}.${(d.getUTCMonth() + 1) * 100 + d.getUTCDate()}.${d.getUTCHours() * 10_000 + d.getUTCMinutes() * 100 + d.getUTCSeconds()}`;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++)
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Adds (or replaces) a box in the catalog JSON that `vagrant box add CATALOG.json` and
 * `vagrant box update` read. The file is rewritten whole and renamed into place, under a
 * lock, so readers never see half a catalog and parallel builds do not lose entries.
 */
export async function recordInCatalog(catalogFile: string, entry: CatalogEntry): Promise<void> {
  await withFileLock(catalogFile, async () => {
    let catalog: Catalog = { name: entry.name, versions: [] };
    try {
      catalog = JSON.parse(await readFile(catalogFile, 'utf8')) as Catalog;
      if (catalog.name !== entry.name)
        throw new Error(
          `the catalog ${catalogFile} is for box "${catalog.name}", not "${entry.name}"; set another "box_name" or output folder`,
        );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (entry.description) catalog.description = entry.description;
    let version = catalog.versions.find((v) => v.version === entry.version);
    if (!version) {
      version = { version: entry.version, providers: [] };
      catalog.versions.push(version);
    }
    version.providers = version.providers.filter(
      (p) => !(p.name === entry.provider && p.architecture === entry.architecture),
    );
    version.providers.push({
      name: entry.provider,
      url: pathToFileURL(entry.boxPath).href,
      checksum_type: 'sha256',
      checksum: entry.sha256,
      ...(entry.architecture ? { architecture: entry.architecture } : {}),
    });
    version.providers.sort((a, b) => a.name.localeCompare(b.name));
    catalog.versions.sort((a, b) => compareVersions(a.version, b.version));
    const temp = partialNameFor(catalogFile);
    await writeFile(temp, `${JSON.stringify(catalog, null, 2)}\n`);
    await rename(temp, catalogFile);
  });
}
