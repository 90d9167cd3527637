import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeVmx, vmxFor, type VmxMachine } from '../../formats/vmx.js';
import { writeStreamOptimizedVmdk } from '../../formats/vmdk-stream.js';
import { qemuImg } from '../../util/qemu-img.js';
import type { ExportInput, Exporter } from './driver.js';
import { exportAppliance, vmwareApplianceSpec } from '../export-appliance.js';

/** Packer's disk_type_id: how the VMDK is laid out. */
export type VmdkType = 0 | 1 | 2 | 3 | 5;

const SUBFORMAT: Record<Exclude<VmdkType, 5>, string> = {
  0: 'monolithicSparse',
  1: 'twoGbMaxExtentSparse',
  2: 'monolithicFlat',
  3: 'twoGbMaxExtentFlat',
};

/** What the VMX says of the machine besides its size: from the family's settings or the source VMX. */
export type VmxDescription = Omit<VmxMachine, 'name' | 'memoryMb' | 'cpus' | 'diskFile'>;

/** Where qemu-img's VMDK writer names the adapter (its adapter_type option). */
const ADAPTER_TYPE: Record<VmxMachine['adapter'], string> = {
  lsilogic: 'lsilogic',
  lsisas1068: 'lsilogic',
  buslogic: 'buslogic',
  pvscsi: 'lsilogic',
  sata: 'ide',
  nvme: 'lsilogic',
  ide: 'ide',
};

/**
 * VMware's artifact from the QEMU engine: a VM folder VMware opens (NAME.vmx, NAME.nvram,
 * NAME.vmsd, NAME.vmxf and the disk in the layout disk_type_id names), proven equal to the
 * guest's disk with qemu-img compare.
 */
export function vmxExporter<M>(options: {
  vmdkName: string;
  diskType: VmdkType;
  /** vmx: the VM folder; ovf/ova: also VMware's flavour of OVF (or one OVA) beside it, as ovftool would write. */
  format: 'vmx' | 'ovf' | 'ova';
  vmxData: Record<string, string>;
  removeEthernet: boolean;
  describe: (input: ExportInput<M>) => VmxDescription;
}): Exporter<M> {
  return {
    async export(input, ctx) {
      const dir = input.outputDir;
      const described = options.describe(input);
      const vmdkFile = `${options.vmdkName}.vmdk`;
      const vmdk = path.join(dir, vmdkFile);
      ctx.ui.say(`Writing the VMDK (disk_type_id ${options.diskType}) and the VMX...`);
      if (options.diskType === 5) {
        await writeStreamOptimizedVmdk({
          source: input.disk,
          output: vmdk,
          adapterType: described.adapter === 'ide' ? 'ide' : 'lsilogic',
          signal: ctx.signal,
        });
      } else {
        await qemuImg.convert(
          input.disk,
          vmdk,
          {
            format: 'vmdk',
            options: `subformat=${SUBFORMAT[options.diskType]},adapter_type=${ADAPTER_TYPE[described.adapter]}`,
          },
          ctx.signal,
        );
      }
      const same = await qemuImg.compare(input.disk, vmdk, ctx.signal);
      const appliance =
        options.format === 'vmx'
          ? []
          : (
              await exportAppliance(
                input.disk,
                dir,
                vmwareApplianceSpec(
                  input.vmName,
                  { ...described, memoryMb: input.hardware.memoryMb, cpus: input.hardware.cpus },
                  options.format,
                ),
                ctx.signal,
              )
            ).files;
      if (!same.same)
        throw new Error(
          `the written ${vmdkFile} does not hold the same data as the guest disk (qemu-img compare: ${same.detail})`,
        );
      await rm(input.disk, { force: true });
      if (input.efiVars) await rm(input.efiVars, { force: true });
      const machine: VmxMachine = {
        ...described,
        name: input.vmName,
        memoryMb: input.hardware.memoryMb,
        cpus: input.hardware.cpus,
        diskFile: vmdkFile,
      };
      const vmx = encodeVmx(vmxFor(machine, { vmxData: options.vmxData, removeEthernet: options.removeEthernet }));
      const files = {
        // VMware fills the NVRAM on first power-on and keeps snapshots in the .vmsd; both start empty.
        [`${input.vmName}.nvram`]: '',
        [`${input.vmName}.vmsd`]: '',
        [`${input.vmName}.vmxf`]: `<?xml version="1.0"?>\n<Foundry>\n<VM>\n<VMId type="string">${input.vmName}</VMId>\n<ClientMetaData>\n<clientMetaDataAttributes/>\n<HistoryEventList/></ClientMetaData>\n<vmxPathName type="string">${input.vmName}.vmx</vmxPathName></VM></Foundry>\n`,
        // The .vmx last: a folder with a .vmx in it looks finished.
        [`${input.vmName}.vmx`]: vmx,
      };
      for (const [name, text] of Object.entries(files)) {
        await writeFile(path.join(dir, `${name}.part`), text);
        await rename(path.join(dir, `${name}.part`), path.join(dir, name));
      }
      const disks = (await readdir(dir)).filter((f) => f.startsWith(options.vmdkName) && f.endsWith('.vmdk')).sort();
      return {
        files: [
          ...Object.keys(files).map((f) => path.join(dir, f)),
          ...disks.map((f) => path.join(dir, f)),
          ...appliance,
        ].sort(),
        accelerator: input.accelerator,
      };
    },
  };
}
