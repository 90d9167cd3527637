import { formatElapsed } from '../base/duration.js';
import { sleep } from '../base/errors.js';
import type { BootConfig } from '../config/boot.js';
import type { PipelineStep } from '../core/pipeline.js';
import { parseBootCommand } from '../machines/boot-command.js';
import type { RunningVm } from '../machines/driver.js';
import type { RunningHttpServer } from '../util/http-server.js';
import { GUEST_HOST_IP } from './http-server.js';
import type { VmCheckpoints } from './vm-checkpoints.js';

/** Waits boot_wait, then types boot_command with {{ .HTTPIP }}, {{ .HTTPPort }} and {{ .Name }} filled in. */
export function stepBootCommand(
  boot: BootConfig,
  vmName: string,
): PipelineStep<
  { running: RunningVm; http: RunningHttpServer | undefined; vmCheckpoints: VmCheckpoints | undefined },
  object
> {
  return {
    name: 'boot-command',
    async run({ running, http, vmCheckpoints }, ctx) {
      // A machine resumed from a checkpoint boots its installed disk: nothing to type.
      if (vmCheckpoints?.resume) return {};
      if (boot.waitMs > 0) {
        ctx.ui.say(`Waiting ${formatElapsed(boot.waitMs)} for boot...`);
        await sleep(boot.waitMs, ctx.signal);
      }
      if (!boot.command) return {};
      const text = ctx.render(boot.command, {
        HTTPIP: GUEST_HOST_IP,
        HTTPPort: String(http?.port ?? ''),
        Name: vmName,
      });
      ctx.ui.say('Typing the boot command...');
      ctx.log(`boot command: ${text}`);
      await running.type(parseBootCommand(text), boot.keyIntervalMs, ctx);
      return {};
    },
  };
}
