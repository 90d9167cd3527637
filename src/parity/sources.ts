import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../base/errors.js';
import type { Fingerprint } from '../core/fingerprint.js';
import type { Subject } from './compare.js';

/** The manifest file Packer's manifest post-processor writes by default. */
export const DEFAULT_MANIFEST = 'packer-manifest.json';
export const FINGERPRINT_SUFFIX = '.fingerprint.json';

interface ManifestLike {
  builds: { name?: string; packer_run_uuid?: string; fingerprint?: Fingerprint }[];
  last_run_uuid?: string;
}

/**
 * The fingerprints to compare: the builds of each manifest's last run, or fingerprint
 * files. With no paths: the default manifest in `cwd`, else every `*.fingerprint.json` there.
 */
export function loadSubjects(paths: string[], cwd: string): Subject[] {
  const files = paths.length ? paths.map((p) => path.resolve(cwd, p)) : defaultSources(cwd);
  const found = files.flatMap((file) => subjectsOf(file).map((fingerprint) => ({ file, fingerprint })));
  // Two sources may hold builds of one name (last week's manifest and today's): say which is which.
  const names = found.map((f) => f.fingerprint.build);
  return found.map(({ file, fingerprint }) => ({
    label:
      names.filter((n) => n === fingerprint.build).length > 1
        ? `${path.basename(file)}:${fingerprint.build}`
        : fingerprint.build,
    fingerprint,
  }));
}

function defaultSources(cwd: string): string[] {
  const manifest = path.join(cwd, DEFAULT_MANIFEST);
  if (existsSync(manifest)) return [manifest];
  const prints = readdirSync(cwd)
    .filter((f) => f.endsWith(FINGERPRINT_SUFFIX))
    .sort()
    .map((f) => path.join(cwd, f));
  if (prints.length) return prints;
  throw new UserError(
    `nothing to compare in ${cwd}: no ${DEFAULT_MANIFEST} and no *${FINGERPRINT_SUFFIX}`,
    'run `boxwright build` first, or name a manifest or fingerprint files: boxwright parity FILE...',
  );
}

function subjectsOf(file: string): Fingerprint[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${file} does not exist` : `${file} is not JSON: ${(err as Error).message}`,
      'name a manifest written by the manifest post-processor or a NAME.fingerprint.json written by a build',
    );
  }
  if (isFingerprint(data)) return [data];
  if (data && typeof data === 'object' && Array.isArray((data as ManifestLike).builds)) {
    const manifest = data as ManifestLike;
    const lastRun = manifest.builds.filter(
      (b) => !manifest.last_run_uuid || b.packer_run_uuid === manifest.last_run_uuid,
    );
    // A build with several post-processor chains has one entry per chain, all with its one fingerprint.
    const byBuild = new Map<string, Fingerprint>();
    for (const b of lastRun) if (isFingerprint(b.fingerprint)) byBuild.set(b.fingerprint.build, b.fingerprint);
    return [...byBuild.values()];
  }
  throw new UserError(
    `${file} is neither a manifest nor a fingerprint`,
    'name a manifest written by the manifest post-processor or a NAME.fingerprint.json written by a build',
  );
}

function isFingerprint(value: unknown): value is Fingerprint {
  return Boolean(
    value && typeof value === 'object' && (value as Fingerprint).schema === 1 && (value as Fingerprint).packages,
  );
}
