import type { Client } from 'ssh2';
import { formatElapsed } from '../../base/duration.js';
import { CancelledError, sleep, UserError } from '../../base/errors.js';
import type { Ui } from '../../core/ui.js';
import type { SshConfig } from './config.js';
import { ConnectError, connectOnce, type Endpoint } from './connect.js';

export interface WaitOptions {
  ui: Ui;
  signal: AbortSignal;
  log(line: string): void;
  /** Overrides ssh_timeout (a reconnect after a reboot uses start_retry_timeout). */
  timeoutMs?: number;
  /** How often to say that it is still waiting. */
  progressEveryMs?: number;
}

const HINTS: Record<ConnectError['kind'], string> = {
  'port closed': 'the SSH server is not listening yet: check that the machine booted and that sshd starts on it',
  unreachable: 'check ssh_host and the network between here and the machine',
  'handshake failed': 'something answers on the port but does not speak SSH (yet); a slow boot can look like this',
  'auth refused': 'check ssh_username and ssh_password or ssh_private_key_file; the server refused them',
  'bastion failed': 'check the ssh_bastion_* options',
  'unusable key': 'give an OpenSSH or PEM private key without a passphrase',
};

/**
 * Polls until an SSH login succeeds: quickly at first (a tenth of a second), backing off
 * to two seconds, reporting progress every few seconds, and failing at the timeout with
 * the last error and a hint. Refused logins count against ssh_handshake_attempts.
 */
export async function waitForSsh(cfg: SshConfig, endpoint: Endpoint, opts: WaitOptions): Promise<Client> {
  const timeoutMs = opts.timeoutMs ?? cfg.timeoutMs;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let delay = 100;
  let lastReport = started;
  let last: ConnectError | undefined;
  let lastRefusal: ConnectError | undefined;
  let refusals = 0;
  let paused = false;
  opts.ui.say(`Waiting for SSH to become available on ${endpoint.host}:${endpoint.port}...`);
  for (;;) {
    if (opts.signal.aborted) throw new CancelledError('Build was cancelled.');
    try {
      const client = await connectOnce(
        cfg,
        endpoint,
        opts.signal,
        Math.max(1000, Math.min(20_000, deadline - Date.now())),
      );
      if (cfg.pauseBeforeConnectingMs > 0 && !paused) {
        // Packer's pause_before_connecting: SSH answered, but the guest may still be setting up.
        paused = true;
        client.end();
        opts.ui.say(`Pausing ${formatElapsed(cfg.pauseBeforeConnectingMs)} before connecting...`);
        await sleep(cfg.pauseBeforeConnectingMs, opts.signal);
        continue;
      }
      opts.ui.say(`Connected to SSH after ${formatElapsed(Date.now() - started)}.`);
      return client;
    } catch (err) {
      if (opts.signal.aborted) throw new CancelledError('Build was cancelled.');
      if (!(err instanceof ConnectError)) throw err;
      last = err;
      if (err.kind === 'auth refused') lastRefusal = err;
      opts.log(`ssh: ${err.kind}: ${err.message}`);
      if (err.kind === 'unusable key') throw new UserError(err.message, HINTS['unusable key']);
      if (err.kind === 'auth refused' && ++refusals >= cfg.handshakeAttempts) {
        throw new UserError(
          `SSH login to ${endpoint.host}:${endpoint.port} as "${cfg.username}" was refused ${refusals} times: ${err.message}`,
          HINTS['auth refused'],
        );
      }
    }
    const now = Date.now();
    if (now >= deadline) {
      // A server that refused the login is up and speaks SSH: that refusal says more than a
      // later attempt cut short by the deadline (a wrong password is not a slow boot).
      const cause = lastRefusal ?? last!;
      const later = cause !== last ? ` (the last attempt: ${last!.kind})` : '';
      throw new UserError(
        `Timeout waiting for SSH after ${formatElapsed(timeoutMs)}. Last error (${cause.kind}): ${cause.message}${later}`,
        HINTS[cause.kind],
      );
    }
    if (now - lastReport >= (opts.progressEveryMs ?? 5000)) {
      lastReport = now;
      opts.ui.message(
        `Still waiting for SSH (${formatElapsed(now - started)} of ${formatElapsed(timeoutMs)}): ${last!.kind}`,
      );
    }
    await sleep(Math.min(delay, Math.max(0, deadline - now)), opts.signal);
    delay = Math.min(delay * 1.6, 2000);
  }
}
