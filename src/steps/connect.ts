import { UserError } from '../base/errors.js';
import type { GuestAccess } from '../config/guest-access.js';
import { noneCommunicator } from '../communicators/none.js';
import { SshCommunicator } from '../communicators/ssh/communicator.js';
import { waitForSsh } from '../communicators/ssh/wait.js';
import type { Communicator } from '../core/communicator.js';
import type { PipelineStep } from '../core/pipeline.js';
import type { RunningVm } from '../machines/driver.js';
import type { HeldPort } from './ssh-port.js';

/**
 * Waits for SSH and connects: at ssh_host, else 127.0.0.1 on the forwarded port, else the
 * guest's own address (VMware) on ssh_port. Closed in cleanup.
 */
export function stepConnect(
  access: GuestAccess,
): PipelineStep<{ sshPort: HeldPort | undefined; running: RunningVm }, { communicator: Communicator }> {
  return {
    name: 'connect',
    async run({ sshPort, running }, ctx) {
      if (access.communicator === 'none') return { communicator: noneCommunicator };
      const host = access.ssh.host ?? (sshPort ? '127.0.0.1' : ((await running.guestAddress(ctx)) ?? '127.0.0.1'));
      const where = { host, port: sshPort?.port ?? access.ssh.port };
      const client = await waitForSsh(access.ssh, where, { ui: ctx.ui, signal: ctx.signal, log: ctx.log }).catch(
        async (err: unknown) => {
          if (!(err instanceof UserError)) throw err;
          // A guest that never answers has usually said why on its console (a panic, a hung unit).
          const console = await running.consoleTail().catch(() => undefined);
          if (!console) throw err;
          throw new UserError(`${err.message}\nThe guest's console ended with:\n${console}`, err.hint);
        },
      );
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
