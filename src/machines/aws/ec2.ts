import {
  EC2Client,
  type EC2ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-ec2';
import type { Command } from '@aws-sdk/types';
import { CancelledError, sleep, UserError } from '../../base/errors.js';
import type { AwsAccess } from './access.js';

type Ec2Command<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Command<
  ServiceInputTypes,
  I,
  ServiceOutputTypes,
  O,
  EC2ClientResolvedConfig
>;

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

export interface Ec2Options {
  maxRetries: number;
  /** First back-off; doubled per attempt up to 20 s. */
  retryBaseMs?: number;
}

/** One region's EC2 API: every call named in its errors, throttling and server faults retried. */
export class Ec2 {
  constructor(
    readonly region: string,
    readonly client: EC2Client,
    private readonly options: Ec2Options,
  ) {}

  /** A client for `region` (the build region unless given) with the template's credentials and endpoint. */
  static connect(access: AwsAccess, region: string = access.region, options: Partial<Ec2Options> = {}): Ec2 {
    // The SDK warns on Node 20 about its own future releases; boxwright ships a locked SDK, so the warning would only confuse.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const client = new EC2Client({
      region,
      ...(access.credentials ? { credentials: access.credentials } : {}),
      ...(access.profile && !access.credentials ? { profile: access.profile } : {}),
      ...(access.endpoint ? { endpoint: access.endpoint } : {}),
      // Retries happen in call(), where they are counted, logged and testable.
      maxAttempts: 1,
    });
    return new Ec2(region, client, { maxRetries: access.maxRetries, ...options });
  }

  /**
   * Sends `command`; `about` says what it was for ("launching the source instance"), so a
   * failure reads as the user's step, not the SDK's. Cancellation ends the call at once.
   */
  async call<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
    command: Ec2Command<I, O>,
    about: string,
    signal?: AbortSignal,
  ): Promise<O> {
    const operation = command.constructor.name.replace(/Command$/, '');
    const base = this.options.retryBaseMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new CancelledError('Build was cancelled.');
      try {
        return await this.client.send(command, signal ? { abortSignal: signal } : {});
      } catch (err) {
        if (signal?.aborted) throw new CancelledError('Build was cancelled.');
        if (retryable(err) && attempt < this.options.maxRetries) {
          await sleep(Math.min(base * 2 ** attempt, 20_000) * (0.5 + Math.random() / 2), signal ?? neverAborted);
          continue;
        }
        const message = err instanceof Error ? err.message : String(err);
        throw new AwsCallError(operation, codeOf(err), message || 'no message', about);
      }
    }
  }

  /** Fails early, and clearly, when no credentials can be found (skip_credential_validation skips it). */
  async checkCredentials(): Promise<void> {
    try {
      const credentials = this.client.config.credentials;
      await credentials();
    } catch (err) {
      throw new UserError(
        `no AWS credentials found: ${err instanceof Error ? err.message : String(err)}`,
        'set "access_key"/"secret_key" (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), name a "profile", or run where an instance role is available',
      );
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

const neverAborted = new AbortController().signal;
