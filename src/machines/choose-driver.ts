import { UserError } from '../base/errors.js';
import type { DriverCandidate, MachineDriver } from './driver.js';

/**
 * Picks the driver: a pinned name must be usable; `auto` takes the first candidate that
 * answers. Returns the driver and the reason for the `Driver: NAME (why)` line.
 */
export async function chooseDriver(
  setting: string,
  candidates: DriverCandidate[],
): Promise<{ driver: MachineDriver; reason: string }> {
  const skipped: string[] = [];
  for (const candidate of candidates) {
    const pinned = setting === candidate.name;
    if (setting !== 'auto' && !pinned) continue;
    const probe = await candidate.probe({ pinned, skipped });
    if ('driver' in probe) return probe;
    if (pinned) throw new UserError(probe.refusal, probe.hint);
    skipped.push(probe.skipped);
  }
  throw new UserError(
    `no driver can run this build here (${skipped.join('; ')})`,
    'install the hypervisor, or QEMU (the qemu-system-x86 package)',
  );
}
