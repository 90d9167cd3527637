import type { ConnectedState } from '../../core/common-steps.js';
import type { RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { SshCommunicator } from './communicator.js';
import type { SshConfig } from './config.js';
import type { Endpoint } from './connect.js';
import { waitForSsh } from './wait.js';

/**
 * Waits for SSH and connects (Packer's StepConnect); the connection is closed in cleanup.
 * `endpoint` is read at run time, after earlier steps started the machine and chose its port;
 * so may `cfg` be, when an earlier step made the key to log in with.
 */
export function stepConnectSsh<S extends ConnectedState>(
  sshConfig: SshConfig | ((state: S) => SshConfig),
  endpoint: (state: S) => Endpoint,
  reconnectTimeoutMs?: number,
): Step<S> {
  return {
    name: 'connect-ssh',
    async run(state, ctx: RunContext) {
      const cfg = typeof sshConfig === 'function' ? sshConfig(state) : sshConfig;
      const where = endpoint(state);
      const client = await waitForSsh(cfg, where, { ui: ctx.ui, signal: ctx.signal, log: ctx.log });
      state.communicator = new SshCommunicator(cfg, where, client, {
        ui: ctx.ui,
        signal: ctx.signal,
        log: ctx.log,
        timeoutMs: reconnectTimeoutMs ?? cfg.timeoutMs,
      });
    },
    async cleanup(state) {
      await state.communicator?.close();
      state.communicator = undefined;
    },
    leftover: (state) =>
      state.communicator ? `an SSH connection to ${endpoint(state).host}:${endpoint(state).port}` : undefined,
  };
}
