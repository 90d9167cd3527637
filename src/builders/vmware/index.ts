import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SSH_SECRET_OPTIONS } from '../../communicators/ssh/config.js';
import { BOOT_COMMAND_FIELDS } from '../../config/boot.js';
import type { Artifact } from '../../core/artifact.js';
import type { Builder, BuildContext } from '../../core/plugin.js';
import { chooseDriver } from '../../machines/choose-driver.js';
import { runLocalVm } from '../../steps/local-vm.js';
import { prepareVmwareIso, prepareVmwareVmx, vmwareIsoSchema, vmwareVmxSchema, type VmwareConfig } from './config.js';
import { qemuCandidate, vmrunCandidate } from './drivers.js';

async function run(config: VmwareConfig, ctx: BuildContext): Promise<Artifact> {
  const { driver, reason } = await chooseDriver(config.driver, [
    vmrunCandidate(config, ctx.log),
    qemuCandidate(config),
  ]);
  ctx.ui.say(`Driver: ${driver.name} (${reason})`);
  if (driver.name === 'qemu')
    for (const option of config.nativeOnly)
      ctx.ui.error(`Ignoring "${option}": only VMware can apply it, and this build runs on the qemu driver.`);
  const exported = await runLocalVm(config, driver, ctx);
  const outputDir = path.resolve(ctx.cwd, config.output.outputDirectory);
  return {
    builderId: 'mitchellh.vmware',
    kind: 'vmware-vmx',
    id: config.output.vmName,
    files: exported.files,
    description: `VM files in directory: ${config.output.outputDirectory}`,
    destroy: () => rm(outputDir, { recursive: true, force: true }),
  };
}

/** Packer's vmware-iso: install from an ISO, on VMware or on QEMU with VMware-like hardware. */
export const vmwareIsoBuilder: Builder<VmwareConfig> = {
  kind: 'builder',
  type: 'vmware-iso',
  produces: 'vmware-vmx',
  schema: vmwareIsoSchema,
  secretOptions: [...SSH_SECRET_OPTIONS, 'remote_password', 'winrm_password'],
  lateFields: { boot_command: BOOT_COMMAND_FIELDS, tools_upload_path: ['Flavor'] },
  prepare: prepareVmwareIso,
  communicator: (config) => config.access.communicator,
  outputs: (config) => [config.output.outputDirectory],
  run,
};

/** Packer's vmware-vmx: clone an existing VMware machine (.vmx). */
export const vmwareVmxBuilder: Builder<VmwareConfig> = {
  ...vmwareIsoBuilder,
  type: 'vmware-vmx',
  schema: vmwareVmxSchema,
  prepare: prepareVmwareVmx,
};
