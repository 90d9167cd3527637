import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  manifestText,
  renderOvf,
  writeOva,
  type DiskController,
  type NicType,
  type OvfMachine,
} from '../formats/ovf.js';
import { writeStreamOptimizedVmdk } from '../formats/vmdk-stream.js';
import type { VmxMachine } from '../formats/vmx.js';
import { qemuImg } from '../util/qemu-img.js';
import { partialNameFor } from '../util/temp-name.js';

/** What the exported appliance describes. */
export interface ExportSpec {
  vmName: string;
  osType: string;
  cpus: number;
  memoryMb: number;
  controller: DiskController;
  nic: NicType;
  format: 'ovf' | 'ova';
  /** UEFI is written into the OVF; BIOS is the default. */
  firmware?: 'bios' | 'efi';
  /** VMware's flavour of OVF (see OvfMachine.vmware). */
  vmware?: OvfMachine['vmware'];
}

/**
 * Writes the appliance as VirtualBox exports it: NAME.ovf, NAME-disk001.vmdk
 * (streamOptimized, from our own writer) and NAME.mf with SHA256 lines; or one NAME.ova
 * holding them. Files appear under their final names only when complete.
 */
export async function exportAppliance(
  disk: string,
  outputDir: string,
  spec: ExportSpec,
  signal: AbortSignal,
): Promise<{ files: string[]; machine: OvfMachine }> {
  // An OVA is packed from a staging folder; an OVF is written straight into the output.
  const stage = spec.format === 'ova' ? await mkdtemp(path.join(outputDir, '.export-')) : outputDir;
  try {
    const vmdkName = `${spec.vmName}-disk001.vmdk`;
    const vmdk = path.join(stage, vmdkName);
    const written = await writeStreamOptimizedVmdk({
      source: disk,
      output: vmdk,
      adapterType: spec.controller === 'ide' ? 'ide' : 'lsilogic',
      signal,
    });
    await sameContent(disk, vmdk, signal);
    const machine: OvfMachine = {
      name: spec.vmName,
      osType: spec.osType,
      cpus: spec.cpus,
      memoryMb: spec.memoryMb,
      controller: spec.controller,
      nic: spec.nic,
      ...(spec.firmware === 'efi' ? { firmware: 'efi' as const } : {}),
      ...(spec.vmware ? { vmware: spec.vmware } : {}),
      disks: [{ file: vmdkName, capacityBytes: written.capacityBytes, fileBytes: written.fileBytes }],
    };
    const ovf = path.join(stage, `${spec.vmName}.ovf`);
    const mf = path.join(stage, `${spec.vmName}.mf`);
    await writeAtomically(ovf, renderOvf(machine));
    await writeAtomically(mf, await manifestText([ovf, vmdk]));
    if (spec.format === 'ovf') return { files: [ovf, vmdk, mf], machine };
    const ova = path.join(outputDir, `${spec.vmName}.ova`);
    await writeOva(ova, ovf, mf, [vmdk], signal);
    return { files: [ova], machine };
  } finally {
    if (stage !== outputDir) await rm(stage, { recursive: true, force: true });
  }
}

/** Proves the VMDK holds exactly the guest's disk (qemu-img compare reads both), before the disk is gone. */
async function sameContent(disk: string, vmdk: string, signal: AbortSignal): Promise<void> {
  const result = await qemuImg.compare(disk, vmdk, signal);
  if (!result.same)
    throw new Error(
      `the exported ${path.basename(vmdk)} does not hold the same data as the guest disk (qemu-img compare: ${result.detail})`,
    );
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const partial = partialNameFor(file);
  await writeFile(partial, text);
  await rename(partial, file);
}

/** The appliance spec of a VMware machine, for VMware's flavour of OVF. */
export function vmwareApplianceSpec(
  vmName: string,
  m: Omit<VmxMachine, 'name' | 'diskFile'>,
  format: 'ovf' | 'ova',
): ExportSpec {
  return {
    vmName,
    osType: m.guestOs.endsWith('-64') ? 'Other_64' : 'Other',
    cpus: m.cpus,
    memoryMb: m.memoryMb,
    controller: m.adapter === 'ide' ? 'ide' : m.adapter === 'sata' ? 'sata' : m.adapter === 'nvme' ? 'nvme' : 'scsi',
    nic: 'E1000',
    format,
    firmware: m.firmware,
    vmware: { hardwareVersion: m.hardwareVersion, guestOs: m.guestOs, adapter: m.adapter, nic: m.nic },
  };
}
