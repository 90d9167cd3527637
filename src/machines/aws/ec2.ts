import {
  EC2Client,
  type EC2ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-ec2';
import type { Command } from '@aws-sdk/types';
import { UserError } from '../../base/errors.js';
import { clientSettings, sendWithRetry, type RetryOptions } from './call.js';
export { AwsCallError, hasAwsCode } from './call.js';
import type { AwsAccess } from './access.js';

type Ec2Command<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Command<
  ServiceInputTypes,
  I,
  ServiceOutputTypes,
  O,
  EC2ClientResolvedConfig
>;

export type Ec2Options = RetryOptions;

/** One region's EC2 API: every call named in its errors, throttling and server faults retried. */
export class Ec2 {
  constructor(
    readonly region: string,
    readonly client: EC2Client,
    private readonly options: Ec2Options,
  ) {}

  /** A client for `region` (the build region unless given) with the template's credentials and endpoint. */
  static connect(access: AwsAccess, region: string = access.region, options: Partial<Ec2Options> = {}): Ec2 {
    const client = new EC2Client(clientSettings(access, region, access.endpoint));
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
    return sendWithRetry(
      (abortSignal) => this.client.send(command, abortSignal ? { abortSignal } : {}),
      operation,
      about,
      this.options,
      signal,
    );
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
