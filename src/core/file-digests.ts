import { createHash } from 'node:crypto';
import { createReadStream, type BigIntStats } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** How many files the cache remembers; those not hashed by the latest build go first. */
const MAX_ENTRIES = 20_000;
/**
 * A file modified this recently could be modified again within the same clock tick, leaving
 * its times as they were: its digest is not kept (git's "racy" files). Setting the times
 * back by hand moves the change time, which the identity holds.
 */
const RACY_NS = 2_000_000_000n;

interface Entry {
  /** Device, inode, size, modification and change times: any edit moves one of them. */
  identity: string;
  sha256: string;
}

/**
 * SHA-256 digests of local files, remembered by their identity in a file under the
 * checkpoint directory, so that working out checkpoint keys hashes only what changed since
 * the last build (a package repository of a few thousand files need not be read again).
 */
export class FileDigests {
  private readonly used = new Map<string, Entry>();
  private changed = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly known: Map<string, Entry>,
  ) {}

  /** The digests kept in `dir`; none kept (every file is read) when `dir` is undefined. */
  static async open(dir: string | undefined): Promise<FileDigests> {
    if (!dir) return new FileDigests(undefined, new Map());
    const file = path.join(dir, 'file-digests.cache');
    const known = new Map<string, Entry>();
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { version?: number; files?: Record<string, Entry> };
      if (saved.version === 1 && saved.files && typeof saved.files === 'object')
        for (const [name, entry] of Object.entries(saved.files))
          if (typeof entry?.identity === 'string' && /^[0-9a-f]{64}$/.test(entry.sha256)) known.set(name, entry);
    } catch {
      // No cache yet, or one this version cannot read: every file is hashed, and the cache written anew.
    }
    return new FileDigests(file, known);
  }

  /** The SHA-256 of the regular file `name` (an absolute path) whose stat is `info`. */
  async of(name: string, info: BigIntStats): Promise<string> {
    const identity = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    // A file two provisioners send is read once.
    const known = this.used.get(name) ?? this.known.get(name);
    if (known?.identity === identity) {
      this.used.set(name, known);
      return known.sha256;
    }
    const hash = createHash('sha256');
    await pipeline(createReadStream(name), hash);
    const sha256 = hash.digest('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    if (now - info.mtimeNs > RACY_NS) {
      this.used.set(name, { identity, sha256 });
      this.changed = true;
    }
    return sha256;
  }

  /** Writes the cache back when this run hashed anything new; a failure only costs speed next time. */
  async save(): Promise<void> {
    if (!this.file || !this.changed) return;
    const files: Record<string, Entry> = Object.fromEntries(this.used);
    let count = this.used.size;
    for (const [name, entry] of this.known) {
      if (count >= MAX_ENTRIES) break;
      if (this.used.has(name)) continue;
      files[name] = entry;
      count++;
    }
    const partial = `${this.file}.${process.pid}.partial`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(partial, JSON.stringify({ version: 1, files }));
      await rename(partial, this.file);
      this.changed = false;
    } catch {
      // The next build hashes these files again.
      await rm(partial, { force: true });
    }
  }
}
