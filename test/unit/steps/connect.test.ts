import { describe, expect, it } from 'vitest';
import type { RunningVm } from '../../../src/machines/driver.js';
import { stepConnect } from '../../../src/steps/connect.js';
import { tempDir } from '../../support/cli.js';
import { runContext } from '../../support/plugin-context.js';
import { sshConfig } from '../../support/ssh.js';
import { freePort } from '../../support/sshd.js';

/** A machine whose SSH port answers nothing, and whose console says why. */
function silentMachine(console: string | undefined): RunningVm {
  return { consoleTail: async () => console } as unknown as RunningVm;
}

describe('connecting to a local VM', () => {
  it("adds the end of the guest's console to a timeout, where the guest's trouble usually shows", async () => {
    const port = await freePort();
    const step = stepConnect({
      communicator: 'ssh',
      ssh: sshConfig({ ssh_password: 'x', ssh_timeout: '1s' }),
      hostPortRange: [port, port],
    });
    const { ctx } = runContext(tempDir());
    const panic = 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';
    const run = (console: string | undefined) =>
      step.run({ sshPort: { port } as never, running: silentMachine(console) }, ctx);
    const err = (await run(panic).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^Timeout waiting for SSH after 1 second/);
    expect(err.message).toContain(`The guest's console ended with:\n${panic}`);
    // A console with nothing to say adds nothing.
    expect(((await run(undefined).catch((e: unknown) => e)) as Error).message).not.toContain('console');
  });
});
