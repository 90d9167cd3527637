import { rm } from 'node:fs/promises';
import path from 'node:path';
import { noneCommunicator } from '../../communicators/none.js';
import { SSH_SECRET_OPTIONS } from '../../communicators/ssh/config.js';
import { stepConnectSsh } from '../../communicators/ssh/step-connect.js';
import type { Artifact } from '../../core/artifact.js';
import { stepProvision } from '../../core/common-steps.js';
import type { Builder } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { prepareQemu, qemuSchema, type QemuConfig } from './config.js';
import type { QemuState } from './state.js';
import { stepBootCommand, stepCdFiles, stepConvert, stepFloppy, stepDisk, stepEfiVars, stepHttp, stepOutputDir, stepPort, stepRun, stepShutdown, stepSource } from './steps.js';

/** Packer's qemu builder on the local QEMU engine (KVM when it works, else TCG). */
export const qemuBuilder: Builder<QemuConfig> = {
  kind: 'builder',
  type: 'qemu',
  produces: 'qemu-disk',
  schema: qemuSchema,
  secretOptions: SSH_SECRET_OPTIONS,
  lateFields: { boot_command: ['HTTPIP', 'HTTPPort', 'Name'] },
  prepare: prepareQemu,
  communicator: (config) => config.communicator,
  async run(config, ctx) {
    const connect: Step<QemuState> =
      config.communicator === 'ssh'
        ? stepConnectSsh<QemuState>(config.ssh!, (state) => ({ host: '127.0.0.1', port: state.sshPort! }))
        : { name: 'connect-none', run: async (state) => void (state.communicator = noneCommunicator) };
    const state: QemuState = { releasePorts: [] };
    await ctx.runSteps(
      [stepOutputDir(config, ctx), stepSource(config), stepDisk(config), stepEfiVars(config), stepCdFiles(config), stepFloppy(config), stepHttp(config), stepPort(config), stepRun(config), stepBootCommand(config), connect, stepProvision<QemuState>(ctx), stepShutdown(config), stepConvert(config)],
      state,
    );
    const file = state.disk!;
    const artifact: Artifact = {
      builderId: 'boxwright.qemu',
      kind: 'qemu-disk',
      id: config.vmName,
      files: state.efiVars && !config.efiDropVars ? [file, state.efiVars] : [file],
      description: `VM files in directory: ${config.outputDirectory} (${path.basename(file)}, ${config.format})`,
      destroy: () => rm(path.resolve(config.outputDirectory), { recursive: true, force: true }),
      properties: { format: config.format, accelerator: state.accelerator ?? 'tcg', vmName: config.vmName, firmware: config.firmware.kind === 'efi' ? 'efi' : 'bios', ...(config.firmware.kind === 'efi' ? { efiCode: config.firmware.code } : {}) },
    };
    return artifact;
  },
};
