import { formatElapsed } from '../base/duration.js';
import { messageOf, sleep, UserError } from '../base/errors.js';
import type { ShutdownConfig } from '../config/shutdown.js';
import type { Communicator } from '../core/communicator.js';
import type { PipelineStep } from '../core/pipeline.js';
import type { RunningVm, StoppedVm } from '../machines/driver.js';

/**
 * Stops the guest, the same under every driver: shutdown_command over the communicator
 * and a wait of shutdown_timeout for power-off, or without a command a halt. A guest still
 * running at the timeout fails the build, as in Packer: its disk may not be consistent, so
 * it is not exported.
 */
export function stepShutdown(
  shutdown: ShutdownConfig,
): PipelineStep<{ running: RunningVm; communicator: Communicator }, { stopped: StoppedVm }> {
  return {
    name: 'shutdown',
    async run({ running, communicator }, ctx) {
      let stopped: StoppedVm | undefined;
      if (shutdown.command && communicator.type !== 'none') {
        ctx.ui.say('Sending the shutdown command...');
        const said: string[] = [];
        const keep = (line: string) => {
          said.push(line);
          ctx.ui.message(line);
        };
        // The connection usually drops as the guest goes down; that is expected.
        await communicator
          .exec(shutdown.command, { signal: ctx.signal, onStdout: keep, onStderr: keep })
          .catch((err) => ctx.log(`shutdown command: ${messageOf(err)}`));
        stopped = await running.waitForPowerOff(shutdown.timeoutMs, ctx);
        if (!stopped) {
          const console = await running.consoleTail();
          const output = said.length ? `; the shutdown command printed: ${said.slice(-5).join(' | ')}` : '';
          throw new UserError(
            `the guest did not power off within shutdown_timeout (${formatElapsed(shutdown.timeoutMs)})${output}${console ? `\nThe guest's console ended with:\n${console}` : ''}`,
            'check that shutdown_command powers the guest off (for example "echo vagrant | sudo -S shutdown -P now"), or raise shutdown_timeout',
          );
        }
      } else {
        ctx.ui.say('Halting the virtual machine...');
        stopped = await running.halt(ctx);
      }
      ctx.ui.say('The guest powered off.');
      if (shutdown.postDelayMs > 0) await sleep(shutdown.postDelayMs, ctx.signal);
      return { stopped };
    },
  };
}
