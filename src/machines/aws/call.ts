import { CancelledError, sleep, UserError } from '../../base/errors.js';
import type { AwsAccess } from './access.js';

/** An AWS call that failed: the service's own code and message, the call, and what it was for. */
export class AwsCallError extends UserError {
  constructor(
    readonly operation: string,
    readonly code: string,
    readonly awsMessage: string,
    readonly about: string,
  ) {
    super(`${operation} (${about}) failed: ${code}: ${awsMessage}`);
    this.name = 'AwsCallError';
  }
}

/** True when `err` is an AWS error with one of these codes. */
export function hasAwsCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof AwsCallError ? codes.includes(err.code) : codes.includes(codeOf(err));
}

function codeOf(err: unknown): string {
  const e = err as { name?: unknown; Code?: unknown };
  return typeof e?.Code === 'string' ? e.Code : typeof e?.name === 'string' ? e.name : 'Error';
}

const THROTTLED = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);

/** Worth asking again: AWS said slow down, or failed on its side. */
function retryable(err: unknown): boolean {
  const e = err as { $fault?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  if (THROTTLED.has(codeOf(err))) return true;
  if (e?.$fault === 'server' || (e?.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return ['ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '');
}

export interface RetryOptions {
  maxRetries: number;
  /** First back-off; doubled per attempt up to 20 s. */
  retryBaseMs?: number;
}

/**
 * Sends one AWS request, again after throttling and server faults (with back-off), and
 * turns a final failure into an AwsCallError naming `operation` and what it was `about`.
 * Cancellation ends the call at once.
 */
export async function sendWithRetry<O>(
  send: (abortSignal: AbortSignal | undefined) => Promise<O>,
  operation: string,
  about: string,
  options: RetryOptions,
  signal?: AbortSignal,
): Promise<O> {
  const base = options.retryBaseMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new CancelledError('Build was cancelled.');
    try {
      return await send(signal);
    } catch (err) {
      if (signal?.aborted) throw new CancelledError('Build was cancelled.');
      if (retryable(err) && attempt < options.maxRetries) {
        await sleep(Math.min(base * 2 ** attempt, 20_000) * (0.5 + Math.random() / 2), signal ?? neverAborted);
        continue;
      }
      const message = err instanceof Error ? err.message : String(err);
      throw new AwsCallError(operation, codeOf(err), message || 'no message', about);
    }
  }
}

const neverAborted = new AbortController().signal;

/**
 * The client settings every AWS service here shares: the template's credentials or
 * profile, the region, and SDK retries off (sendWithRetry counts and logs them). The
 * endpoint comes from `endpoint` when the option names one for this service; otherwise the
 * SDK reads AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL itself.
 */
export function clientSettings(access: AwsAccess, region: string, endpoint: string | undefined) {
  // The SDK warns on Node 20 about its own future releases; boxwright ships a locked SDK, so the warning would only confuse.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    region,
    ...(access.credentials ? { credentials: access.credentials } : {}),
    ...(access.profile && !access.credentials ? { profile: access.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 1,
  };
}
