import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { Ui } from '../base/ui.js';
import { withFileLock } from './file-lock.js';
import { downloadResumable } from './http-download.js';

/** The shared cache of downloads and base images: BOXWRIGHT_CACHE_DIR, else ~/.cache/boxwright. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOXWRIGHT_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'boxwright');
}

/** Where checkpoints of disks are kept: BOXWRIGHT_CHECKPOINT_DIR, else the cache's checkpoints folder. */
export function checkpointDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOXWRIGHT_CHECKPOINT_DIR ?? path.join(cacheDirectory(env), 'checkpoints');
}

/** Hashes a file by streaming it. */
export async function hashFile(file: string, algorithm: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash, { signal });
  return hash.digest('hex');
}

interface Expected {
  algorithm: string;
  hex: string;
}

/** Reads Packer's iso_checksum forms: "sha256:HEX", bare HEX (by length), "file:URL", "none". */
export async function resolveChecksum(
  spec: string,
  fileName: string,
  signal: AbortSignal,
): Promise<Expected | undefined> {
  if (spec === 'none') return undefined;
  const typed = /^(md5|sha1|sha256|sha512):([0-9a-fA-F]+)$/.exec(spec);
  if (typed) return { algorithm: typed[1]!, hex: typed[2]!.toLowerCase() };
  const byLength: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
  if (/^[0-9a-fA-F]+$/.test(spec) && byLength[spec.length])
    return { algorithm: byLength[spec.length]!, hex: spec.toLowerCase() };
  if (spec.startsWith('file:')) {
    const location = spec.slice('file:'.length);
    const text = /^https?:/.test(location)
      ? await (await fetch(location, { signal })).text()
      : await readFile(location.startsWith('//') ? fileURLToPath(`file:${location}`) : location, 'utf8');
    for (const line of text.split('\n')) {
      const m = /^([0-9a-fA-F]{32,128})\s+\*?(.+)$/.exec(line.trim());
      if (m && path.basename(m[2]!) === fileName)
        return { algorithm: byLength[m[1]!.length] ?? 'sha256', hex: m[1]!.toLowerCase() };
    }
    throw new Error(`the checksum file ${location} has no line for ${fileName}`);
  }
  throw new Error(`"${spec}" is not a checksum`);
}

async function verify(file: string, expected: Expected | undefined, signal: AbortSignal): Promise<void> {
  if (!expected) return;
  const actual = await hashFile(file, expected.algorithm, signal);
  if (actual !== expected.hex)
    throw new Error(`checksum mismatch for ${file}: expected ${expected.algorithm} ${expected.hex}, got ${actual}`);
}

/**
 * Makes the first usable URL available as a local file, checked against its checksum.
 * Local paths and file:// URLs are used in place; http(s) downloads go to the shared cache,
 * keyed by checksum, written under a temporary name and locked against parallel builds;
 * an interrupted download resumes where it stopped.
 */
export async function obtain(
  urls: string[],
  checksum: string,
  opts: { ui: Ui; signal: AbortSignal; env?: NodeJS.ProcessEnv; option?: string },
): Promise<string> {
  const errors: string[] = [];
  for (const url of urls) {
    try {
      const name = path.basename(url.split('?')[0]!);
      const expected = await resolveChecksum(checksum, name, opts.signal);
      if (!/^https?:\/\//.test(url)) {
        const file = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(url);
        if (!existsSync(file)) throw new Error(`${file} does not exist`);
        if (expected) opts.ui.say(`Verifying the ${expected.algorithm} checksum of ${file}...`);
        await verify(file, expected, opts.signal);
        return file;
      }
      const key = expected ? `${expected.algorithm}-${expected.hex}` : createHash('sha256').update(url).digest('hex');
      const dir = path.join(cacheDirectory(opts.env), 'downloads');
      mkdirSync(dir, { recursive: true });
      const target = path.join(dir, `${key}${path.extname(name)}`);
      if (existsSync(target)) return target;
      await withFileLock(
        target,
        async () => {
          if (existsSync(target)) return;
          opts.ui.say(`Downloading ${url}...`);
          // One partial file per cache entry (the lock keeps it to one writer), so an interrupted download resumes.
          const partial = `${target}.partial`;
          // Without a checksum nothing proves that old bytes belong to today's file: start clean.
          if (!expected) await rm(partial, { force: true });
          const started = Date.now();
          try {
            await downloadResumable(url, partial, opts);
          } catch (err) {
            if (expected && existsSync(partial))
              opts.ui.error(
                `Keeping the ${(statSync(partial).size / 1024 ** 2).toFixed(1)} MiB downloaded so far; the next build resumes from there.`,
              );
            throw err;
          }
          try {
            await verify(partial, expected, opts.signal);
          } catch (err) {
            // Wrong bytes are no base to resume from.
            await rm(partial, { force: true });
            throw err;
          }
          await rename(partial, target);
          opts.ui.say(
            `Downloaded ${(statSync(target).size / 1024 ** 2).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          );
        },
        { signal: opts.signal, staleMs: 30 * 60_000 },
      );
      return target;
    } catch (err) {
      if (opts.signal.aborted) throw err;
      errors.push(`${url}: ${(err as Error).message}`);
    }
  }
  throw new Error(
    `${urls.length === 1 ? `${opts.option ?? 'iso_url'} could not be used` : `none of the ${opts.option ?? 'iso_urls'} could be used`}:\n${errors.map((e) => `  ${e}`).join('\n')}`,
  );
}
