import type { Communicator } from '../core/communicator.js';
import type { BuildValues } from '../core/build-values.js';
import type { PlannedProvisioner } from '../template/plan.js';
import { formatElapsed, formatUtcSeconds } from '../base/duration.js';
import { CancelledError, messageOf, sleep } from '../base/errors.js';
import { setLongTimeout } from '../base/timers.js';
import type { GuestWrites, ProvisionCheckpoints, ProvisionContext, RunContext } from '../core/plugin.js';

/**
 * Runs provisioners in template order with pause_before, max_retries and timeout. With
 * checkpoints, those the machine has already been through are skipped, and the machine's
 * state is kept after each one that runs.
 */
export async function runProvisioners(
  provisioners: PlannedProvisioner[],
  communicator: Communicator,
  ctx: RunContext & Pick<ProvisionContext, 'takeFingerprint'>,
  generated: Record<string, string> = {},
  buildValues?: BuildValues,
  checkpoints?: ProvisionCheckpoints,
): Promise<void> {
  const resume = checkpoints?.resumeAfter;
  if (resume) {
    const saved = resume.savedAt ? ` (saved ${formatUtcSeconds(resume.savedAt)})` : '';
    ctx.ui.say(
      `Resuming from the checkpoint after provisioner ${resume.index + 1} of ${provisioners.length}${saved}; pass -no-checkpoints to rebuild from scratch`,
    );
  }
  const unkeyed = checkpoints ? checkpoints.keys.findIndex((key) => !key) : -1;
  if (unkeyed >= 0) {
    const p = provisioners[unkeyed]!;
    const why = p.reproducible
      ? `boxwright cannot tell what the ${p.type} provisioner sends to the machine`
      : `${p.label} is marked "reproducible": false`;
    ctx.ui.say(`No checkpoints from provisioner ${unkeyed + 1} of ${provisioners.length} on: ${why}`);
  }
  await checkpoints?.start?.();
  for (const { index, paths } of resume?.replay ?? []) {
    ctx.ui.say(
      `Running provisioner ${index + 1} of ${provisioners.length} again: the checkpoint's disk lacks what it put in ${paths.join(', ')}, which does not outlive a boot`,
    );
    await runWithRetries(provisioners[index]!, { ...ctx, communicator, generated }, buildValues);
  }
  for (const [index, p] of provisioners.entries()) {
    if (resume && index <= resume.index) continue;
    if (p.pauseBeforeMs > 0) {
      ctx.ui.say(`Pausing ${formatElapsed(p.pauseBeforeMs)} before the next provisioner...`);
      await sleep(p.pauseBeforeMs, ctx.signal);
    }
    await runWithRetries(p, { ...ctx, communicator, generated }, buildValues);
    const key = checkpoints?.keys[index];
    if (checkpoints && key) await checkpoints.save(index, key, guestWrites(provisioners.slice(0, index + 1)));
  }
}

/** What the provisioners wrote on the machine, as far as they can tell. */
function guestWrites(provisioners: PlannedProvisioner[]): GuestWrites[] {
  return provisioners.flatMap((p, index) => {
    const paths = p.plugin.guestWrites?.(p.config as never);
    return paths?.length ? [{ index, paths }] : [];
  });
}

async function runWithRetries(
  p: PlannedProvisioner,
  ctx: ProvisionContext,
  buildValues: BuildValues | undefined,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await runOnce(p, ctx, buildValues);
      return;
    } catch (err) {
      if (err instanceof CancelledError || ctx.signal.aborted) throw err;
      if (attempt >= p.maxRetries) throw new Error(`${p.type} provisioner (${p.label}) failed: ${messageOf(err)}`);
      // Packer backs off between retries; so do we, a little, and it is cancellable.
      const wait = Math.min(2000 * 2 ** attempt, 30_000);
      ctx.ui.error(
        `${p.type} provisioner failed: ${messageOf(err)}\nRetrying (${attempt + 1} of ${p.maxRetries}) in ${formatElapsed(wait)}...`,
      );
      await sleep(wait, ctx.signal);
    }
  }
}

async function runOnce(
  p: PlannedProvisioner,
  ctx: ProvisionContext,
  buildValues: BuildValues | undefined,
): Promise<void> {
  ctx.log(`provisioner ${p.label} (${p.type}) starting`);
  // Options that read build.* are prepared again now that the machine's values are known.
  const config = p.late && buildValues ? p.late(buildValues) : p.config;
  if (p.timeoutMs === undefined) return p.plugin.provision(config, ctx);
  const timer = new AbortController();
  const handle = setLongTimeout(() => timer.abort(), p.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timer.signal]);
  try {
    await p.plugin.provision(config, { ...ctx, signal });
  } catch (err) {
    if (timer.signal.aborted && !ctx.signal.aborted)
      throw new Error(`timed out after ${formatElapsed(p.timeoutMs)} (its "timeout")`);
    throw err;
  } finally {
    handle.clear();
  }
  if (timer.signal.aborted && !ctx.signal.aborted)
    throw new Error(`timed out after ${formatElapsed(p.timeoutMs)} (its "timeout")`);
}
