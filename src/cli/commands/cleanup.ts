import { messageOf } from '../../base/errors.js';
import type { Output } from '../../core/ui.js';
import { leftoverContainers } from '../../machines/docker/leftovers.js';
import { cacheDirectory } from '../../util/download.js';
import { leftoverDirectories, leftoverProcesses, type Leftover, type OwnerFilter } from '../../util/leftovers.js';
import { runIsOver } from '../../util/run-mark.js';
import { forgetRun, runsThatDied, type RunRecord } from '../../util/run-record.js';
import { makeOutput, type CliIo } from '../io.js';

/** Every leftover of the runs `owners` accepts: processes first, so that nothing uses a directory as it goes. */
async function findLeftovers(owners: OwnerFilter): Promise<{ leftovers: Leftover[]; notes: string[] }> {
  const [processes, containers, directories] = await Promise.all([
    leftoverProcesses(owners),
    leftoverContainers(owners),
    leftoverDirectories(owners),
  ]);
  return {
    leftovers: [...processes, ...containers.leftovers, ...directories],
    notes: containers.note ? [containers.note] : [],
  };
}

/** Leftovers under a heading per run, so that each says once which run and template it came from. */
function byRun(leftovers: Leftover[], runs: RunRecord[], line: (l: Leftover) => string): string[] {
  const owners = [...new Set(leftovers.map((l) => l.owner))];
  return owners.flatMap((pid) => {
    const run = runs.find((r) => r.pid === pid);
    return [
      `  run ${pid}${run ? ` (${run.template}, started ${run.started})` : ''}:`,
      ...leftovers.filter((l) => l.owner === pid).map((l) => `    - ${line(l)}`),
    ];
  });
}

export interface CleanupFlags {
  /** Only list. */
  dryRun?: boolean;
  /** Also leftovers of runs without a record in this cache directory (another cache, records deleted). */
  all?: boolean;
}

/**
 * `boxwright cleanup`: removes what boxwright runs that were killed (SIGKILL, a crash, a
 * power cut) left behind — QEMU and script processes, containers, temporary directories —
 * found by the run mark in their names, for the runs recorded in the cache directory (or,
 * with -all, any run whose process is gone). Resources of runs still going are never touched.
 */
export async function cleanupCommand(flags: CleanupFlags, io: CliIo): Promise<number> {
  const output = makeOutput(io, {});
  const cacheDir = cacheDirectory(io.env);
  const runs = runsThatDied(cacheDir);
  // A run's record says its pid was boxwright's; without one, a reused pid could be anyone's.
  const owners: OwnerFilter = flags.all ? runIsOver : (pid) => runs.some((r) => r.pid === pid);
  const { leftovers, notes } = await findLeftovers(owners);
  for (const note of notes) output.plain(`Note: ${note}.`);
  if (!leftovers.length) {
    output.plain(
      flags.all
        ? 'Nothing is left over from boxwright runs that ended.'
        : `Nothing is left over from the boxwright runs recorded in ${cacheDir}/runs that were killed.` +
            ' `boxwright cleanup -all` also looks for leftovers of runs without a record.',
    );
    if (!flags.dryRun) for (const run of runs) forgetRun(run);
    return 0;
  }
  if (flags.dryRun) {
    output.plain('Left over from boxwright runs that ended (-dry-run: nothing is removed):');
    for (const line of byRun(leftovers, runs, (l) => l.what)) output.plain(line);
    return 0;
  }
  let failed = 0;
  // Processes go first, so that none is using a directory as it is removed.
  const outcome = new Map<Leftover, string>();
  for (const leftover of leftovers)
    outcome.set(
      leftover,
      await leftover.remove().then(
        () => 'removed',
        (err: unknown) => (failed++, `could not remove it: ${messageOf(err)}`),
      ),
    );
  output.plain(
    failed ? 'What boxwright runs that ended left over:' : 'Removed what boxwright runs that ended left over:',
  );
  for (const line of byRun(leftovers, runs, (l) => `${l.what}: ${outcome.get(l)}`)) output.plain(line);
  if (failed) {
    output.error(
      `${failed} of ${leftovers.length} could not be removed; remove them by hand, or run boxwright cleanup again.`,
    );
    return 1;
  }
  for (const run of runs) forgetRun(run);
  output.plain(`Removed ${leftovers.length}.`);
  return 0;
}

/**
 * At the start of a build: when an earlier run died without ending (its record is still
 * there), says what it left and how to remove it. A died run that left nothing is forgotten.
 */
export async function mentionLeftoversOfDiedRuns(cacheDir: string, output: Output): Promise<void> {
  const died = runsThatDied(cacheDir);
  if (!died.length) return;
  const { leftovers } = await findLeftovers((pid) => died.some((r) => r.pid === pid));
  for (const run of died) if (!leftovers.some((l) => l.owner === run.pid)) forgetRun(run);
  if (!leftovers.length) return;
  output.error(
    [
      'An earlier boxwright run was killed before it could clean up, and left this behind:',
      ...byRun(leftovers, died, (l) => l.what),
      'Run `boxwright cleanup` to remove them (`boxwright cleanup -dry-run` only lists them).',
    ].join('\n'),
  );
}
