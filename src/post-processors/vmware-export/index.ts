import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { VmxArtifact } from '../../core/artifact.js';
import type { PostProcessor } from '../../core/plugin.js';
import { VMX_DISK_ADAPTERS, VMX_NICS, type VmxDiskAdapter, type VmxNic } from '../../formats/vmx.js';
import { writeVmxFolder, type VmdkType } from '../../machines/export-vmx-folder.js';
import { exportDisk } from '../same-disk/output.js';

interface VmwareExportConfig {
  vmName: string;
  vmdkName: string;
  diskType: VmdkType;
  format: 'vmx' | 'ovf' | 'ova';
  outputDirectory: string;
  guestOs: string;
  adapter: VmxDiskAdapter;
  nic: VmxNic;
  network: string;
  hardwareVersion: number;
  memoryMb: number;
  cpus: number;
  cores: number | undefined;
  vmxData: Record<string, string>;
  removeEthernet: boolean;
}

/**
 * The build's disk as a VMware VM folder (NAME.vmx, .nvram, .vmsd, .vmxf and the VMDK in
 * disk_type_id's layout), written as the VMware builders write theirs, with the firmware
 * the build booted with. The disk's bytes are the build's (qemu-img compare proves it).
 */
export const vmwareExportPostProcessor: PostProcessor<VmwareExportConfig> = {
  kind: 'post-processor',
  type: 'vmware-export',
  accepts: ['qemu-disk', 'virtualbox-ovf'],
  produces: 'vmware-vmx',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      vm_name: { type: 'string', minLength: 1 },
      vmdk_name: { type: 'string', minLength: 1, default: 'disk' },
      disk_type_id: { type: ['string', 'integer'], enum: ['0', '1', '2', '3', '5', 0, 1, 2, 3, 5], default: '1' },
      format: { type: 'string', enum: ['vmx', 'ovf', 'ova'], default: 'vmx' },
      output_directory: { type: 'string', minLength: 1 },
      // A 64-bit guest id: VMware refuses to boot a 64-bit kernel under a 32-bit one.
      guest_os_type: { type: 'string', minLength: 1, default: 'other-64' },
      disk_adapter_type: { type: 'string', enum: VMX_DISK_ADAPTERS, default: 'lsilogic' },
      network_adapter_type: { type: 'string', enum: VMX_NICS, default: 'e1000' },
      network: { type: 'string', minLength: 1, default: 'nat' },
      version: { type: ['string', 'integer'], default: '9' },
      memory: { type: 'integer', minimum: 4, default: 512 },
      cpus: { type: 'integer', minimum: 1, default: 1 },
      cores: { type: 'integer', minimum: 1 },
      vmx_data: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
      vmx_remove_ethernet_interfaces: { type: 'boolean', default: false },
    },
  },
  prepare(o, ctx) {
    const version = Number(o.version);
    if (!Number.isInteger(version) || version < 4)
      ctx.problems.error(
        ['version'],
        `"${o.version}" is not a VMware virtual hardware version`,
        'write a number such as 9, 14 or 19',
      );
    if (o.disk_adapter_type === 'nvme' && version < 13)
      ctx.problems.error(
        ['disk_adapter_type'],
        `an NVMe disk needs virtual hardware version 13 or newer, and "version" is ${o.version}`,
        'set "version": "13" or newer',
      );
    return {
      vmName: (o.vm_name as string | undefined) ?? `packer-${ctx.buildName}`,
      vmdkName: o.vmdk_name as string,
      diskType: Number(o.disk_type_id) as VmdkType,
      format: o.format as 'vmx' | 'ovf' | 'ova',
      outputDirectory: (o.output_directory as string | undefined) ?? `output-${ctx.buildName}-vmware`,
      guestOs: o.guest_os_type as string,
      adapter: o.disk_adapter_type as VmxDiskAdapter,
      nic: o.network_adapter_type as VmxNic,
      network: o.network as string,
      hardwareVersion: version,
      memoryMb: o.memory as number,
      cpus: o.cpus as number,
      cores: o.cores as number | undefined,
      vmxData: o.vmx_data as Record<string, string>,
      removeEthernet: o.vmx_remove_ethernet_interfaces as boolean,
    };
  },
  async process(config, input, ctx) {
    return exportDisk(input, config.outputDirectory, ctx, async (disk, dir, content) => {
      ctx.ui.say(
        `Exporting ${path.basename(disk.file)} as a VMware VM (disk_type_id ${config.diskType}) in ${config.outputDirectory}...`,
      );
      const files = await writeVmxFolder(
        disk.file,
        dir,
        {
          vmName: config.vmName,
          vmdkName: config.vmdkName,
          diskType: config.diskType,
          format: config.format,
          machine: {
            guestOs: config.guestOs,
            cores: config.cores,
            hardwareVersion: config.hardwareVersion,
            firmware: disk.firmware,
            adapter: config.adapter,
            nic: config.nic,
            network: config.network,
            memoryMb: config.memoryMb,
            cpus: config.cpus,
          },
          vmxData: config.vmxData,
          removeEthernet: config.removeEthernet,
        },
        ctx.signal,
      );
      ctx.ui.say(`Exported ${config.vmName}.vmx and its disk: the same disk (sha256 ${content.sha256.slice(0, 12)}…).`);
      const artifact: VmxArtifact = {
        builderId: 'mitchellh.vmware',
        kind: 'vmware-vmx',
        id: config.vmName,
        files,
        description: `VM files in directory: ${config.outputDirectory}`,
        destroy: () => rm(dir, { recursive: true, force: true }),
        content,
      };
      return { artifact, keepInput: true };
    });
  },
};
