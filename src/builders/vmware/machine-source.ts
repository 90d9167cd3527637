import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import type { RunContext } from '../../core/plugin.js';
import { machineFromVmx, parseVmx, type VmxMachine } from '../../formats/vmx.js';
import type { OpenedMachine } from '../../machines/qemu/driver.js';

/** vmware-vmx on the qemu driver: reads the source .vmx and takes its disk (relative to the .vmx). */
export async function openVmxSource(source: string, ctx: RunContext): Promise<OpenedMachine<VmxMachine>> {
  ctx.ui.say(`Reading the machine ${source}...`);
  let machine: VmxMachine;
  try {
    machine = machineFromVmx(parseVmx(await readFile(source, 'utf8')));
  } catch (err) {
    throw new UserError(
      `${path.basename(source)} cannot be read as a VMware machine: ${(err as Error).message}`,
      'source_path must be the .vmx of a machine VMware (or boxwright) made',
    );
  }
  const disk = path.resolve(path.dirname(source), machine.diskFile);
  if (!existsSync(disk))
    throw new UserError(
      `${path.basename(source)} names the disk ${machine.diskFile}, which is not next to it`,
      'copy the whole VM folder, with its .vmdk files',
    );
  ctx.ui.say(
    `Machine "${machine.name}": ${machine.guestOs}, ${machine.cpus} CPU, ${machine.memoryMb} MB, ${machine.adapter} disk, ${machine.nic ?? 'no'} network`,
  );
  return { machine, disk };
}
