import type { Communicator } from '../core/communicator.js';

/**
 * A machine continued from a saved state wakes with the clock it had when it was saved. Its
 * clock is set from the host's over the communicator, as root: the login user itself or
 * passwordless sudo. Without either, no running machine is kept (its disk still is).
 */
function asRoot(command: string): string {
  return `if [ "$(id -u)" = 0 ]; then ${command}; else sudo -n ${command}; fi`;
}

/** Whether the communicator's user can set the guest's clock. */
export async function canSetClock(comm: Communicator, signal: AbortSignal): Promise<boolean> {
  return (await comm.exec(`{ ${asRoot('true')}; } 2>/dev/null`, { signal })).exitCode === 0;
}

/** Sets the guest's clock to `now`; throws with what the guest said when it cannot. */
export async function setGuestClock(comm: Communicator, now: Date, signal: AbortSignal): Promise<void> {
  const set = `date -u -s @${(now.getTime() / 1000).toFixed(3)} >/dev/null`;
  const said: string[] = [];
  const result = await comm.exec(asRoot(set), {
    signal,
    onStdout: (l) => said.push(l),
    onStderr: (l) => said.push(l),
  });
  if (result.exitCode !== 0)
    throw new Error(`"date -s" exited with code ${result.exitCode}${said.length ? `: ${said.join(' ')}` : ''}`);
}
