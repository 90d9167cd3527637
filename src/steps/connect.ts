import type { GuestAccess } from '../config/guest-access.js';
import { noneCommunicator } from '../communicators/none.js';
import { SshCommunicator } from '../communicators/ssh/communicator.js';
import { waitForSsh } from '../communicators/ssh/wait.js';
import type { Communicator } from '../core/communicator.js';
import type { PipelineStep } from '../core/pipeline.js';
import type { HeldPort } from './ssh-port.js';

/**
 * Waits for SSH and connects: at ssh_host (default 127.0.0.1), on the forwarded port, or
 * on ssh_port when nothing is forwarded (skip_nat_mapping). Closed in cleanup.
 */
export function stepConnect(
  access: GuestAccess,
): PipelineStep<{ sshPort: HeldPort | undefined }, { communicator: Communicator }> {
  return {
    name: 'connect',
    async run({ sshPort }, ctx) {
      if (access.communicator === 'none') return { communicator: noneCommunicator };
      const where = { host: access.ssh.host ?? '127.0.0.1', port: sshPort?.port ?? access.ssh.port };
      const client = await waitForSsh(access.ssh, where, { ui: ctx.ui, signal: ctx.signal, log: ctx.log });
      return {
        communicator: new SshCommunicator(access.ssh, where, client, {
          ui: ctx.ui,
          signal: ctx.signal,
          log: ctx.log,
          timeoutMs: access.ssh.timeoutMs,
        }),
      };
    },
    cleanup: ({ communicator }) => communicator.close(),
    leftover: ({ communicator }) => (communicator.type === 'none' ? undefined : 'an SSH connection to the guest'),
  };
}
