import { readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeVmx, vmxFor, type VmxMachine } from '../formats/vmx.js';
import { writeStreamOptimizedVmdk } from '../formats/vmdk-stream.js';
import { qemuImg } from '../util/qemu-img.js';
import { exportAppliance, vmwareApplianceSpec } from './export-appliance.js';
import { partialNameFor } from '../util/temp-name.js';

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

export interface VmxFolderSpec {
  vmName: string;
  vmdkName: string;
  diskType: VmdkType;
  /** vmx: the VM folder; ovf/ova: also VMware's flavour of OVF (or one OVA) beside it, as ovftool would write. */
  format: 'vmx' | 'ovf' | 'ova';
  machine: VmxDescription & { memoryMb: number; cpus: number };
  vmxData: Record<string, string>;
  removeEthernet: boolean;
}

/**
 * Writes a VM folder VMware opens (NAME.vmx, NAME.nvram, NAME.vmsd, NAME.vmxf and the disk
 * in the layout disk_type_id names) from `disk`, which is left in place, and proves the
 * VMDK equal to it with qemu-img compare. The .vmx comes last: a folder with one looks finished.
 */
export async function writeVmxFolder(
  disk: string,
  dir: string,
  spec: VmxFolderSpec,
  signal: AbortSignal,
): Promise<string[]> {
  const vmdkFile = `${spec.vmdkName}.vmdk`;
  const vmdk = path.join(dir, vmdkFile);
  if (spec.diskType === 5) {
    await writeStreamOptimizedVmdk({
      source: disk,
      output: vmdk,
      adapterType: spec.machine.adapter === 'ide' ? 'ide' : 'lsilogic',
      signal,
    });
  } else {
    await qemuImg.convert(
      disk,
      vmdk,
      {
        format: 'vmdk',
        options: `subformat=${SUBFORMAT[spec.diskType]},adapter_type=${ADAPTER_TYPE[spec.machine.adapter]}`,
      },
      signal,
    );
  }
  const same = await qemuImg.compare(disk, vmdk, signal);
  if (!same.same)
    throw new Error(
      `the written ${vmdkFile} does not hold the same data as the guest disk (qemu-img compare: ${same.detail})`,
    );
  const appliance =
    spec.format === 'vmx'
      ? []
      : (await exportAppliance(disk, dir, vmwareApplianceSpec(spec.vmName, spec.machine, spec.format), signal)).files;
  const machine: VmxMachine = { ...spec.machine, name: spec.vmName, diskFile: vmdkFile };
  const vmx = encodeVmx(vmxFor(machine, { vmxData: spec.vmxData, removeEthernet: spec.removeEthernet }));
  const files = {
    // VMware fills the NVRAM on first power-on and keeps snapshots in the .vmsd; both start empty.
    [`${spec.vmName}.nvram`]: '',
    [`${spec.vmName}.vmsd`]: '',
    [`${spec.vmName}.vmxf`]: `<?xml version="1.0"?>\n<Foundry>\n<VM>\n<VMId type="string">${spec.vmName}</VMId>\n<ClientMetaData>\n<clientMetaDataAttributes/>\n<HistoryEventList/></ClientMetaData>\n<vmxPathName type="string">${spec.vmName}.vmx</vmxPathName></VM></Foundry>\n`,
    [`${spec.vmName}.vmx`]: vmx,
  };
  for (const [name, text] of Object.entries(files)) {
    const partial = partialNameFor(path.join(dir, name));
    await writeFile(partial, text);
    await rename(partial, path.join(dir, name));
  }
  const disks = (await readdir(dir)).filter((f) => f.startsWith(spec.vmdkName) && f.endsWith('.vmdk')).sort();
  return [
    ...Object.keys(files).map((f) => path.join(dir, f)),
    ...disks.map((f) => path.join(dir, f)),
    ...appliance,
  ].sort();
}
