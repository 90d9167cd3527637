import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DiskController, NicType, OvfMachine } from '../../formats/ovf.js';
import type { ExportInput, Exporter } from './driver.js';
import { exportAppliance } from '../export-appliance.js';
import { qemuImg } from '../../util/qemu-img.js';
import { partialNameFor } from '../../util/temp-name.js';

/** What the appliance says of the machine, from the family's settings or the source appliance. */
export interface ApplianceDescription {
  osType: string;
  controller: DiskController;
  nic: NicType;
}

/** VirtualBox's artifact from the QEMU engine: OVF + streamOptimized VMDK + manifest, or one OVA. */
export function ovfExporter(options: {
  format: 'ovf' | 'ova';
  skipExport: boolean;
  describe: (input: ExportInput<OvfMachine>) => ApplianceDescription;
}): Exporter<OvfMachine> {
  return {
    async export(input, ctx) {
      if (options.skipExport) {
        ctx.ui.say('Skipping export (skip_export); the working disk is left in the output directory.');
        if (input.layered) {
          // Written whole, so that it does not depend on the checkpoint layers it was built on.
          const whole = partialNameFor(input.disk);
          try {
            await qemuImg.convert(input.disk, whole, { format: 'qcow2' }, ctx.signal);
            await rename(whole, input.disk);
          } finally {
            await rm(whole, { force: true });
          }
        }
        return { files: [input.disk], accelerator: input.accelerator };
      }
      ctx.ui.say(`Exporting ${options.format.toUpperCase()} with boxwright's streamOptimized VMDK writer...`);
      const described = options.describe(input);
      const { files } = await exportAppliance(
        input.disk,
        input.outputDir,
        {
          vmName: input.vmName,
          ...described,
          cpus: input.hardware.cpus,
          memoryMb: input.hardware.memoryMb,
          format: options.format,
          firmware: input.firmware.kind === 'efi' ? 'efi' : 'bios',
        },
        ctx.signal,
      );
      ctx.ui.say(
        `Exported ${files.map((f) => path.basename(f)).join(', ')}; qemu-img compare found the VMDK identical to the guest disk.`,
      );
      await rm(input.disk, { force: true });
      // The variable store is the build's; VirtualBox keeps its own NVRAM.
      if (input.efiVars && path.dirname(input.efiVars) === input.outputDir) await rm(input.efiVars, { force: true });
      return { files, accelerator: input.accelerator };
    },
  };
}
