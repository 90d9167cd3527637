import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ApplianceArtifact } from '../../core/artifact.js';
import type { PostProcessor } from '../../core/plugin.js';
import {
  OVF_CONTROLLER_OF_VIRTUALBOX,
  OVF_NIC_OF_VIRTUALBOX_TYPE,
  type DiskController,
  type NicType,
} from '../../formats/ovf.js';
import { exportAppliance } from '../../machines/export-appliance.js';
import { exportDisk } from '../same-disk/output.js';

interface VirtualBoxExportConfig {
  format: 'ovf' | 'ova';
  vmName: string;
  outputDirectory: string;
  guestOsType: string;
  controller: DiskController;
  nic: NicType;
  memoryMb: number;
  cpus: number;
}

/** hard_drive_interface as the VirtualBox builders take it ("nvme" is their other name for "pcie"). */
const CONTROLLER: Record<string, DiskController> = { ...OVF_CONTROLLER_OF_VIRTUALBOX, nvme: 'nvme' };
const NIC = OVF_NIC_OF_VIRTUALBOX_TYPE;

/**
 * The build's disk as a VirtualBox appliance — NAME.ovf + streamOptimized VMDK + NAME.mf,
 * or one NAME.ova — written as the VirtualBox builders write theirs. The disk's bytes are
 * the build's (qemu-img compare proves it); only the hardware description is new.
 */
export const virtualBoxExportPostProcessor: PostProcessor<VirtualBoxExportConfig> = {
  kind: 'post-processor',
  type: 'virtualbox-export',
  accepts: ['qemu-disk', 'vmware-vmx'],
  produces: 'virtualbox-ovf',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: { type: 'string', enum: ['ovf', 'ova'], default: 'ovf' },
      vm_name: { type: 'string', minLength: 1 },
      output_directory: { type: 'string', minLength: 1 },
      // A 64-bit type: VirtualBox gives a guest long mode only when its OS type says 64-bit.
      guest_os_type: { type: 'string', minLength: 1, default: 'Other_64' },
      // AHCI, which every Linux initramfs drives and VirtualBox's own default for new machines.
      hard_drive_interface: { type: 'string', enum: Object.keys(CONTROLLER), default: 'sata' },
      nic_type: { type: 'string', enum: Object.keys(NIC), default: '82540EM' },
      memory: { type: 'integer', minimum: 4, default: 512 },
      cpus: { type: 'integer', minimum: 1, default: 1 },
    },
  },
  prepare: (o, ctx) => ({
    format: o.format as 'ovf' | 'ova',
    vmName: (o.vm_name as string | undefined) ?? `packer-${ctx.buildName}`,
    outputDirectory: (o.output_directory as string | undefined) ?? `output-${ctx.buildName}-virtualbox`,
    guestOsType: o.guest_os_type as string,
    controller: CONTROLLER[o.hard_drive_interface as string]!,
    nic: NIC[o.nic_type as string]!,
    memoryMb: o.memory as number,
    cpus: o.cpus as number,
  }),
  async process(config, input, ctx) {
    return exportDisk(input, config.outputDirectory, ctx, async (disk, dir, content) => {
      ctx.ui.say(
        `Exporting ${path.basename(disk.file)} as a VirtualBox ${config.format.toUpperCase()} in ${config.outputDirectory}...`,
      );
      const { files } = await exportAppliance(
        disk.file,
        dir,
        {
          vmName: config.vmName,
          osType: config.guestOsType,
          cpus: config.cpus,
          memoryMb: config.memoryMb,
          controller: config.controller,
          nic: config.nic,
          format: config.format,
          firmware: disk.firmware,
        },
        ctx.signal,
      );
      ctx.ui.say(
        `Exported ${files.map((f) => path.basename(f)).join(', ')}: the same disk (sha256 ${content.sha256.slice(0, 12)}…).`,
      );
      const artifact: ApplianceArtifact = {
        builderId: 'mitchellh.virtualbox',
        kind: 'virtualbox-ovf',
        id: config.vmName,
        files,
        description: `VM files in directory: ${config.outputDirectory} (${files.map((f) => path.basename(f)).join(', ')})`,
        destroy: () => rm(dir, { recursive: true, force: true }),
        appliance: { format: config.format, driver: 'export' },
        content,
      };
      return { artifact, keepInput: true };
    });
  },
};
