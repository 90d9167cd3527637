import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SSH_SECRET_OPTIONS } from '../../communicators/ssh/config.js';
import type { Artifact } from '../../core/artifact.js';
import type { Builder, BuildContext } from '../../core/plugin.js';
import { prepareVirtualBoxIso, prepareVirtualBoxOvf, virtualBoxIsoSchema, virtualBoxOvfSchema, type VirtualBoxConfig } from './config.js';
import { chooseDriver } from './driver.js';
import type { VirtualBoxState } from './state.js';

async function run(config: VirtualBoxConfig, ctx: BuildContext): Promise<Artifact> {
  const driver = await chooseDriver(config, ctx.log);
  ctx.ui.say(`Driver: ${driver.name} (${driver.reason})`);
  const state: VirtualBoxState = { vbox: driver.vbox, version: driver.version, releasePorts: [] };
  await ctx.runSteps(driver.steps(config, ctx), state);
  const files = state.exported ?? [];
  return {
    builderId: 'mitchellh.virtualbox',
    kind: 'virtualbox-ovf',
    id: config.vmName,
    files,
    description: `VM files in directory: ${config.outputDirectory} (${files.map((f) => path.basename(f)).join(', ')})`,
    destroy: () => rm(path.resolve(config.outputDirectory), { recursive: true, force: true }),
    properties: { format: config.format, driver: driver.name, vmName: config.vmName },
  };
}

const LATE_FIELDS = {
  boot_command: ['HTTPIP', 'HTTPPort', 'Name'],
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
  secretOptions: SSH_SECRET_OPTIONS,
  lateFields: LATE_FIELDS,
  prepare: prepareVirtualBoxIso,
  communicator: (config) => config.communicator,
  run,
};

/** Packer's virtualbox-ovf: start from an exported appliance (.ovf or .ova). */
export const virtualBoxOvfBuilder: Builder<VirtualBoxConfig> = {
  ...virtualBoxIsoBuilder,
  type: 'virtualbox-ovf',
  schema: virtualBoxOvfSchema,
  prepare: prepareVirtualBoxOvf,
};
