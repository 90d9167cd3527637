import { rm } from 'node:fs/promises';
import type { ExportInput, Exporter } from './driver.js';
import { writeVmxFolder, type VmdkType, type VmxDescription } from '../export-vmx-folder.js';

export type { VmdkType, VmxDescription } from '../export-vmx-folder.js';

/**
 * VMware's artifact from the QEMU engine: the VM folder (see writeVmxFolder) from the
 * guest's disk, which is removed once the folder is proven to hold the same data.
 */
export function vmxExporter<M>(options: {
  vmdkName: string;
  diskType: VmdkType;
  format: 'vmx' | 'ovf' | 'ova';
  vmxData: Record<string, string>;
  removeEthernet: boolean;
  describe: (input: ExportInput<M>) => VmxDescription;
}): Exporter<M> {
  return {
    async export(input, ctx) {
      ctx.ui.say(`Writing the VMDK (disk_type_id ${options.diskType}) and the VMX...`);
      const files = await writeVmxFolder(
        input.disk,
        input.outputDir,
        {
          vmName: input.vmName,
          vmdkName: options.vmdkName,
          diskType: options.diskType,
          format: options.format,
          machine: { ...options.describe(input), memoryMb: input.hardware.memoryMb, cpus: input.hardware.cpus },
          vmxData: options.vmxData,
          removeEthernet: options.removeEthernet,
        },
        ctx.signal,
      );
      await rm(input.disk, { force: true });
      if (input.efiVars) await rm(input.efiVars, { force: true });
      return { files, accelerator: input.accelerator };
    },
  };
}
