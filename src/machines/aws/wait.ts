import { sleep, UserError } from '../../base/errors.js';
import { formatElapsed } from '../../base/duration.js';
import type { Ui } from '../../base/ui.js';
import type { AwsPolling } from './access.js';

/** One look at a resource: its state as AWS names it, and whether the wait is over. */
export type Look<T> =
  { state: string; ready: true; value: T } | { state: string; ready: false } | { state: string; failed: string };

/**
 * Asks `look` until the resource is ready, every `polling.delayMs`, at most
 * `polling.maxAttempts` times. Says what it waits for and each new state with the time
 * waited; giving up names the last state AWS reported. Ctrl-C ends the wait at once.
 */
export async function waitFor<T>(
  what: { subject: string; goal: string },
  look: () => Promise<Look<T>>,
  ctx: { ui: Ui; signal: AbortSignal },
  polling: AwsPolling,
): Promise<T> {
  const started = Date.now();
  ctx.ui.message(`Waiting for ${what.subject} to be ${what.goal}...`);
  let last = '';
  for (let attempt = 1; ; attempt++) {
    const seen = await look();
    if (seen.state !== last) {
      if (last) ctx.ui.message(`${what.subject} is ${seen.state} (after ${formatElapsed(Date.now() - started)})`);
      last = seen.state;
    }
    if ('failed' in seen) throw new UserError(`${what.subject} will not be ${what.goal}: ${seen.failed}`);
    if (seen.ready) return seen.value;
    if (attempt >= polling.maxAttempts)
      throw new UserError(
        `gave up waiting for ${what.subject} to be ${what.goal} after ${attempt} checks in ${formatElapsed(Date.now() - started)}; AWS last reported "${seen.state}"`,
        'wait longer with "aws_polling": {"delay_seconds": N, "max_attempts": N} (or AWS_POLL_DELAY_SECONDS / AWS_MAX_ATTEMPTS)',
      );
    await sleep(polling.delayMs, ctx.signal);
  }
}
