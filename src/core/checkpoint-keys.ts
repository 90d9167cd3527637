import { createHash, type Hash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileDigests } from './file-digests.js';

/** What a provisioner contributes to the machine's state. */
export interface KeyedProvisioner {
  type: string;
  /** Its prepared options. */
  config: unknown;
  /** The local files and directories it sends to the machine; undefined when it cannot say. */
  inputs: string[] | undefined;
}

/**
 * The key of the machine's state after each provisioner: keys[i] covers the base (the
 * source and the builder options that shape the machine) and provisioners 0..i, with the
 * contents of the local files they send. Values, secrets included, only enter a hash; a
 * key reveals none of them. After a provisioner that cannot list its inputs there are no
 * keys (undefined): what it did cannot be known, so it is never skipped. Files are named
 * in keys relative to `cwd`, so a project keeps its checkpoints when it moves; their
 * digests are remembered under `cacheDir`, so an unchanged file is not read again.
 */
export async function checkpointKeys(
  base: unknown,
  provisioners: KeyedProvisioner[],
  cwd: string,
  cacheDir?: string,
): Promise<(string | undefined)[]> {
  const digests = await FileDigests.open(cacheDir);
  // v3: files enter as their digests, named relative to the template's directory.
  let previous: string | undefined = digest(`boxwright-checkpoint-v3\n${canonical(base)}`);
  const keys: (string | undefined)[] = [];
  for (const p of provisioners) {
    if (previous === undefined || p.inputs === undefined) previous = undefined;
    else {
      const hash: Hash = createHash('sha256').update(previous).update(p.type).update(canonical(p.config));
      await hashPaths(hash, p.inputs, cwd, digests);
      previous = hash.digest('hex');
    }
    keys.push(previous);
  }
  await digests.save();
  return keys;
}

/** A SHA-256 of the contents of local files and directories (names, modes and bytes). */
export async function digestPaths(paths: string[], cwd: string, cacheDir?: string): Promise<string> {
  const digests = await FileDigests.open(cacheDir);
  const hash = createHash('sha256');
  await hashPaths(hash, paths, cwd, digests);
  await digests.save();
  return hash.digest('hex');
}

async function hashPaths(hash: Hash, paths: string[], cwd: string, digests: FileDigests): Promise<void> {
  for (const file of [...new Set(paths.map((f) => path.resolve(cwd, f)))].sort())
    await hashPath(hash, file, path.relative(cwd, file) || '.', digests);
}

/** A SHA-256 of a text, in hex. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted keys, Maps and Sets as sorted lists: the same options give the same text. */
export function canonical(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (v instanceof Map) return [...v.entries()].map(([k, x]) => [walk(k), walk(x)]).sort(byText);
    if (v instanceof Set) return [...v].map(walk).sort(byText);
    if (Buffer.isBuffer(v)) return { buffer: v.toString('base64') };
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (typeof v === 'bigint') return String(v);
    if (!v || typeof v !== 'object') return v;
    if (seen.has(v)) return '[cycle]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, walk((v as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(walk(value)) ?? 'undefined';
}

const byText = (a: unknown, b: unknown) => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Adds a file's or directory's contents (names, modes and digests, in name order) to the hash. */
async function hashPath(hash: Hash, file: string, name: string, digests: FileDigests): Promise<void> {
  const info = await stat(file, { bigint: true }).catch(() => undefined);
  if (!info) {
    hash.update(`missing ${name}\n`);
    return;
  }
  if (info.isFile()) {
    hash.update(`file ${name} ${info.mode & 0o777n} ${info.size} ${await digests.of(file, info)}\n`);
    return;
  }
  if (!info.isDirectory()) return;
  hash.update(`dir ${name}\n`);
  for (const entry of (await readdir(file)).sort())
    await hashPath(hash, path.join(file, entry), path.join(name, entry), digests);
}
