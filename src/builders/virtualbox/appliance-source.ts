import path from 'node:path';
import { UserError } from '../../base/errors.js';
import type { RunContext } from '../../core/plugin.js';
import { openAppliance } from '../../formats/appliance.js';
import type { OvfMachine } from '../../formats/ovf.js';
import type { OpenedMachine } from '../../machines/qemu/driver.js';

/** virtualbox-ovf on the qemu driver: reads the appliance (unpacking an OVA) and takes its one disk. */
export async function openApplianceSource(source: string, ctx: RunContext): Promise<OpenedMachine<OvfMachine>> {
  ctx.ui.say(`Reading the appliance ${source}...`);
  const opened = await openAppliance(source, ctx.signal);
  const m = opened.machine;
  if (m.disks.length !== 1) {
    throw new UserError(
      `${path.basename(opened.ovfFile)} has ${m.disks.length} disks; the qemu driver builds appliances with exactly one`,
      'build this appliance where VirtualBox is installed ("driver": "vboxmanage")',
    );
  }
  ctx.ui.say(
    `Appliance "${m.name}": ${m.osType || 'unknown OS'}, ${m.cpus} CPU, ${m.memoryMb} MB, ${m.controller.toUpperCase()} disk, ${m.nic} network`,
  );
  return { machine: m, disk: path.join(opened.dir, m.disks[0]!.file), temporary: opened.unpacked };
}
