import { CancelledError, messageOf } from '../base/errors.js';
import type { OnErrorPolicy, RunContext } from './plugin.js';

/**
 * One step of a builder. It creates at most one resource in `run` and releases it in
 * `cleanup`; the runner calls the cleanups of every started step in reverse order.
 */
export interface Step<S> {
  readonly name: string;
  run(state: S, ctx: RunContext): Promise<void>;
  cleanup?(state: S, ctx: RunContext): Promise<void>;
  /** What stays behind if `cleanup` does not run (for -on-error=abort and a second Ctrl-C). */
  leftover?(state: S): string | undefined;
}

/** Resources currently held by running builds, so that an abort can say what it leaves. */
export class ResourceLedger {
  private readonly held = new Map<object, { build: string; what: string; removing: boolean }>();

  hold(key: object, build: string, what: string): void {
    this.held.set(key, { build, what, removing: false });
  }

  /** Its removal has begun: a stop now cannot tell whether it is still there, and says so. */
  removing(key: object): void {
    const entry = this.held.get(key);
    if (entry) entry.removing = true;
  }

  release(key: object): void {
    this.held.delete(key);
  }

  list(): { build: string; what: string }[] {
    return [...this.held.values()].map(({ build, what, removing }) => ({
      build,
      what: removing ? `possibly ${what}: its removal had begun` : what,
    }));
  }
}

export interface StepPolicy {
  onError: OnErrorPolicy;
  debug: boolean;
  ledger: ResourceLedger;
}

type Decision = 'cleanup' | 'abort' | 'retry';

/** Runs `steps` in order, then the cleanups of those that started, newest first. */
export async function runSteps<S>(steps: Step<S>[], state: S, ctx: RunContext, policy: StepPolicy): Promise<void> {
  const started: Step<S>[] = [];
  let failure: unknown;
  let leave = false;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (ctx.signal.aborted) {
      failure = new CancelledError('Build was cancelled.');
      break;
    }
    if (!started.includes(step)) started.push(step);
    ctx.log(`step ${ctx.buildName}: running ${step.name}`);
    try {
      await step.run(state, ctx);
      const what = step.leftover?.(state);
      if (what) policy.ledger.hold(step, ctx.buildName, what);
    } catch (err) {
      const what = step.leftover?.(state);
      if (what) policy.ledger.hold(step, ctx.buildName, what);
      if (err instanceof CancelledError || ctx.signal.aborted) {
        failure = err instanceof CancelledError ? err : new CancelledError('Build was cancelled.');
        break;
      }
      const decision = await decide(policy.onError, step, err, ctx);
      if (decision === 'retry') {
        i--;
        continue;
      }
      leave = decision === 'abort';
      failure = err;
      break;
    }
    if (policy.debug && i < steps.length - 1)
      await pause(ctx, `Pausing after run of step '${step.name}'. Press enter to continue.`);
  }

  if (leave) {
    const remaining = started.map((s) => s.leftover?.(state)).filter((w): w is string => Boolean(w));
    ctx.ui.error(
      remaining.length
        ? `Not cleaning up (-on-error=${policy.onError}). These resources remain and must be removed by hand:\n${remaining.map((w) => `  - ${w}`).join('\n')}`
        : `Not cleaning up (-on-error=${policy.onError}); this build held no resources at the time of the error.`,
    );
  } else {
    await runCleanups(started, state, ctx, policy);
  }
  if (failure !== undefined) throw failure;
}

async function runCleanups<S>(started: Step<S>[], state: S, ctx: RunContext, policy: StepPolicy): Promise<void> {
  // Cleanups must finish even after Ctrl-C cancelled the build, so they get a signal of their own.
  const cleanupCtx: RunContext = { ...ctx, signal: new AbortController().signal };
  for (const step of [...started].reverse()) {
    if (!step.cleanup) continue;
    if (policy.debug)
      await pause(cleanupCtx, `Pausing before cleanup of step '${step.name}'. Press enter to continue.`);
    ctx.log(`step ${ctx.buildName}: cleaning up ${step.name}`);
    policy.ledger.removing(step);
    try {
      await step.cleanup(state, cleanupCtx);
      policy.ledger.release(step);
    } catch (err) {
      // What could not be removed is named, so that a failed cleanup is never a silent leak.
      const what = step.leftover?.(state);
      ctx.ui.error(
        `Error cleaning up (${step.name}): ${messageOf(err)}${what ? `\nThis may remain and need removing by hand: ${what}` : ''}`,
      );
    }
  }
  for (const step of started) if (!step.cleanup) policy.ledger.release(step);
}

async function decide(onError: OnErrorPolicy, step: Step<unknown>, err: unknown, ctx: RunContext): Promise<Decision> {
  if (onError === 'abort' || onError === 'run-cleanup-provisioner') return 'abort';
  if (onError === 'cleanup') return 'cleanup';
  ctx.ui.error(`Step "${step.name}" failed: ${messageOf(err)}`);
  if (!ctx.prompt.interactive) {
    ctx.ui.error('-on-error=ask needs a terminal to ask on; cleaning up instead.');
    return 'cleanup';
  }
  for (;;) {
    ctx.ui.say(
      '[c] Clean up and exit, [a] abort without cleanup, or [r] retry step (build may fail even if retry succeeds)?',
    );
    const answer = (await ctx.prompt.nextLine(ctx.signal))?.trim().toLowerCase();
    if (answer === undefined) return 'cleanup';
    if (answer === 'c') return 'cleanup';
    if (answer === 'a') return 'abort';
    if (answer === 'r') return 'retry';
  }
}

async function pause(ctx: RunContext, message: string): Promise<void> {
  ctx.ui.say(message);
  await ctx.prompt.nextLine(ctx.signal);
}
