import path from 'node:path';
import type { Communicator } from '../core/communicator.js';
import type { GuestWrites } from '../core/plugin.js';
import { shellQuote } from '../util/shell-quote.js';

/**
 * A VM's checkpoint must also work as a disk alone (when the running machine saved with it
 * cannot be loaded, a resumed build boots from it): what the provisioners left where the
 * guest does not keep files across a boot is not in it. Debian and Ubuntu
 * empty /tmp at boot, Fedora mounts it as tmpfs, and /dev/shm and /run are always tmpfs.
 */
const VOLATILE = ['/tmp', '/dev/shm', '/run', '/var/run'];
/** Listed before and after each provisioner; /run is not, as the system's own state there changes all the time. */
const LISTED = ['/tmp', '/dev/shm'];
/** Made by systemd for a service with PrivateTmp, again whenever the service starts. */
const REMADE = /^\/tmp\/systemd-private-/;

export function isVolatile(guestPath: string): boolean {
  const p = path.posix.normalize(guestPath);
  return VOLATILE.some((dir) => p === dir || p.startsWith(`${dir}/`));
}

/** What a checkpoint must do about the volatile places. */
export interface VolatileVerdict {
  /** Uploads whose files are still there: a resumed build runs them again. */
  replay: GuestWrites[];
  /** Entries nothing can put back: the checkpoint would not describe the machine. */
  lost: string[];
}

/** Lists the entries of the volatile directories (one path per line). */
export async function listVolatile(comm: Communicator, signal: AbortSignal): Promise<Set<string>> {
  return (await probe(comm, [], false, signal)).entries;
}

/**
 * Flushes the guest's file systems, then judges what the provisioners left in the volatile
 * places since `before`: uploads still there are replayed on resume; anything else is lost.
 */
export async function syncAndJudge(
  comm: Communicator,
  before: ReadonlySet<string>,
  writes: GuestWrites[],
  signal: AbortSignal,
): Promise<VolatileVerdict> {
  const candidates = writes.flatMap((w) => w.paths.filter(isVolatile));
  const now = await probe(comm, candidates, true, signal);
  return judgeVolatile(before, now.entries, now.present, writes);
}

/** The judgement itself, apart from the guest. */
export function judgeVolatile(
  before: ReadonlySet<string>,
  entries: ReadonlySet<string>,
  present: ReadonlySet<string>,
  writes: GuestWrites[],
): VolatileVerdict {
  const replay = writes
    .map((w) => ({ index: w.index, paths: w.paths.filter((p) => isVolatile(p) && present.has(p)) }))
    .filter((w) => w.paths.length > 0);
  const kept = replay.flatMap((w) => w.paths.map((p) => path.posix.normalize(p).replace(/\/$/, '')));
  const covered = (entry: string) =>
    kept.some((p) => p === entry || p.startsWith(`${entry}/`) || entry.startsWith(`${p}/`));
  const lost = [...entries].filter((e) => !before.has(e) && !REMADE.test(e) && !covered(e)).sort();
  return { replay, lost };
}

async function probe(
  comm: Communicator,
  candidates: string[],
  sync: boolean,
  signal: AbortSignal,
): Promise<{ entries: Set<string>; present: Set<string> }> {
  const list = `find ${LISTED.join(' ')} -mindepth 1 -maxdepth 1 2>/dev/null`;
  const tests = candidates.length
    ? `; for p in ${candidates.map(shellQuote).join(' ')}; do [ -e "$p" ] && echo "exists $p"; done`
    : '';
  const command = `${sync ? 'sync && ' : ''}{ ${list}${tests}; true; }`;
  const lines: string[] = [];
  const result = await comm.exec(command, { signal, onStdout: (l) => lines.push(l) });
  if (result.exitCode !== 0)
    throw new Error(
      `${sync ? '"sync" and a' : 'A'} listing of ${LISTED.join(' and ')} in the guest exited with code ${result.exitCode}`,
    );
  const entries = new Set<string>();
  const present = new Set<string>();
  for (const line of lines) {
    if (line.startsWith('exists ')) present.add(line.slice('exists '.length));
    else if (line.startsWith('/')) entries.add(line);
  }
  return { entries, present };
}
