import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../base/errors.js';
import type { Artifact, DiskContent } from '../core/artifact.js';
import { openAppliance } from '../formats/appliance.js';
import { rawDiskContent } from '../formats/raw-disk.js';
import { machineFromVmx, parseVmx } from '../formats/vmx.js';

/** The kinds of artifact that carry one VM disk, which the same-disk post-processors take. */
export const DISK_KINDS = ['qemu-disk', 'virtualbox-ovf', 'vmware-vmx'] as const;

/** The disk inside a build's artifact, ready to read, with what the machine booted with. */
export interface CarriedDisk {
  /** The disk file (qcow2, raw or VMDK); qemu-img reads any of them. */
  file: string;
  firmware: 'bios' | 'efi';
  /** Removes what was unpacked to reach the disk (an OVA's files). */
  release(): Promise<void>;
}

/** Finds the disk an artifact carries: the qemu image, the appliance's VMDK, or the VMX's disk. */
export async function carriedDisk(artifact: Artifact, signal: AbortSignal): Promise<CarriedDisk> {
  const names = artifact.files.map((f) => path.basename(f)).join(', ') || 'no files';
  switch (artifact.kind) {
    case 'qemu-disk': {
      const file = artifact.files[0];
      if (!file) throw new UserError(`the build's artifact holds no disk (${artifact.id})`);
      return { file, firmware: artifact.disk.firmware.kind, release: async () => {} };
    }
    case 'virtualbox-ovf': {
      const source = artifact.files.find((f) => /\.(ovf|ova)$/i.test(f));
      if (!source) throw new UserError(`the appliance artifact holds no .ovf or .ova (it has ${names})`);
      const appliance = await openAppliance(source, signal);
      const disk = appliance.machine.disks[0];
      const release = async () => {
        if (appliance.unpacked) await rm(appliance.unpacked, { recursive: true, force: true });
      };
      if (!disk || appliance.machine.disks.length > 1) {
        await release();
        throw new UserError(
          `${path.basename(source)} has ${appliance.machine.disks.length} disks; the same-disk post-processors take a machine with exactly one`,
        );
      }
      return {
        file: path.join(appliance.dir, disk.file),
        firmware: appliance.machine.firmware === 'efi' ? 'efi' : 'bios',
        release,
      };
    }
    case 'vmware-vmx': {
      const vmx = artifact.files.find((f) => f.toLowerCase().endsWith('.vmx'));
      if (!vmx) throw new UserError(`the VMware artifact holds no .vmx (it has ${names})`);
      const machine = machineFromVmx(parseVmx(await readFile(vmx, 'utf8')));
      const file = path.resolve(path.dirname(vmx), machine.diskFile);
      if (!existsSync(file))
        throw new UserError(`${path.basename(vmx)} names the disk ${machine.diskFile}, which is missing`);
      return { file, firmware: machine.firmware, release: async () => {} };
    }
    default:
      throw new Error(`internal: ${artifact.kind} carries no VM disk`);
  }
}

/**
 * The SHA-256 of the raw disk an artifact carries, measured once and kept on the artifact,
 * so several chains from one build read its disk only once.
 */
export async function measureContent(
  artifact: Artifact,
  signal: AbortSignal,
  opened?: CarriedDisk,
): Promise<DiskContent> {
  if (artifact.content) return artifact.content;
  const disk = opened ?? (await carriedDisk(artifact, signal));
  try {
    artifact.content = await rawDiskContent(disk.file, disk.file, signal);
    return artifact.content;
  } finally {
    if (!opened) await disk.release();
  }
}
