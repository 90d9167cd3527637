import { setLongTimeout } from './timers.js';
/** An error meant for the user: its message is complete, so no stack trace is shown. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The build was cancelled (Ctrl-C, or the user chose to stop). */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Waits `ms`, or rejects with CancelledError as soon as the signal fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError('Build was cancelled.'));
    const timer = setLongTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      timer.clear();
      reject(new CancelledError('Build was cancelled.'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The message of anything thrown, without a stack; a UserError's hint follows it. */
export function messageOf(err: unknown): string {
  if (err instanceof UserError && err.hint) return `${err.message}\n(hint: ${err.hint})`;
  if (err instanceof Error) return err.message;
  return String(err);
}
