import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SSH_SECRET_OPTIONS } from '../../communicators/ssh/config.js';
import { BOOT_COMMAND_FIELDS } from '../../config/boot.js';
import type { Artifact } from '../../core/artifact.js';
import type { Builder, BuildContext } from '../../core/plugin.js';
import { chooseDriver } from '../../machines/choose-driver.js';
import { VBoxManageDriver } from '../../machines/vboxmanage/driver.js';
import { runLocalVm } from '../../steps/local-vm.js';
import {
  prepareVirtualBoxIso,
  prepareVirtualBoxOvf,
  virtualBoxIsoSchema,
  virtualBoxOvfSchema,
  type VirtualBoxConfig,
} from './config.js';
import { qemuCandidate, vboxmanageCandidate } from './drivers.js';
import { guestAdditionsSteps } from './guest-additions.js';

async function run(config: VirtualBoxConfig, ctx: BuildContext): Promise<Artifact> {
  const { driver, reason } = await chooseDriver(config.driver, [
    vboxmanageCandidate(config, ctx.log),
    qemuCandidate(config),
  ]);
  ctx.ui.say(`Driver: ${driver.name} (${reason})`);
  const version = driver instanceof VBoxManageDriver ? driver.version : undefined;
  if (!(driver instanceof VBoxManageDriver))
    for (const option of config.nativeOnly)
      ctx.ui.error(`Ignoring "${option}": only VirtualBox can apply it, and this build runs on the qemu driver.`);
  const exported = await runLocalVm(config, driver, ctx, guestAdditionsSteps(config, version));
  const outputDir = path.resolve(ctx.cwd, config.output.outputDirectory);
  return {
    builderId: 'mitchellh.virtualbox',
    kind: 'virtualbox-ovf',
    id: config.output.vmName,
    files: exported.files,
    description: `VM files in directory: ${config.output.outputDirectory} (${exported.files.map((f) => path.basename(f)).join(', ')})`,
    destroy: () => rm(outputDir, { recursive: true, force: true }),
    appliance: { format: config.format, driver: driver.name },
  };
}

const LATE_FIELDS = {
  boot_command: BOOT_COMMAND_FIELDS,
  vboxmanage: ['Name'],
  vboxmanage_post: ['Name'],
  export_opts: ['Name'],
  guest_additions_path: ['Version'],
  guest_additions_url: ['Version'],
};

/** Packer's virtualbox-iso: install from an ISO, on VirtualBox or on QEMU with VirtualBox-like hardware. */
export const virtualBoxIsoBuilder: Builder<VirtualBoxConfig> = {
  kind: 'builder',
  type: 'virtualbox-iso',
  produces: 'virtualbox-ovf',
  schema: virtualBoxIsoSchema,
  secretOptions: [...SSH_SECRET_OPTIONS, 'winrm_password'],
  lateFields: LATE_FIELDS,
  prepare: prepareVirtualBoxIso,
  communicator: (config) => config.access.communicator,
  outputs: (config) => [config.output.outputDirectory],
  run,
};

/** Packer's virtualbox-ovf: start from an exported appliance (.ovf or .ova). */
export const virtualBoxOvfBuilder: Builder<VirtualBoxConfig> = {
  ...virtualBoxIsoBuilder,
  type: 'virtualbox-ovf',
  schema: virtualBoxOvfSchema,
  prepare: prepareVirtualBoxOvf,
};
