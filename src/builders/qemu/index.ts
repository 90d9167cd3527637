import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SSH_SECRET_OPTIONS } from '../../communicators/ssh/config.js';
import { BOOT_COMMAND_FIELDS } from '../../config/boot.js';
import type { Builder } from '../../core/plugin.js';
import { QemuDriver } from '../../machines/qemu/driver.js';
import { diskImageExporter } from '../../machines/qemu/export-disk-image.js';
import { runLocalVm } from '../../steps/local-vm.js';
import { prepareQemu, qemuSchema, type QemuConfig } from './config.js';

/** Packer's qemu builder on the local QEMU engine (KVM when it works, else TCG). */
export const qemuBuilder: Builder<QemuConfig> = {
  kind: 'builder',
  type: 'qemu',
  produces: 'qemu-disk',
  schema: qemuSchema,
  secretOptions: [...SSH_SECRET_OPTIONS, 'winrm_password'],
  lateFields: { boot_command: BOOT_COMMAND_FIELDS, qemuargs: ['Name'] },
  prepare: prepareQemu,
  communicator: (config) => config.access.communicator,
  outputs: (config) => [config.output.outputDirectory],
  async run(config, ctx) {
    const driver = new QemuDriver({
      accelerator: config.accelerator,
      hardware: () => config.hardware,
      disk: config.disk,
      firmware: config.firmware,
      keepEfiVars: !config.efiDropVars,
      vnc: config.vnc,
      extraArgs: config.qemuArgs,
      binary: config.qemuBinary,
      drive: config.drive,
      exporter: diskImageExporter({
        format: config.format,
        compress: config.diskCompression,
        skipCompaction: config.skipCompaction,
      }),
    });
    const exported = await runLocalVm(config, driver, ctx);
    const outputDir = path.resolve(ctx.cwd, config.output.outputDirectory);
    return {
      builderId: 'boxwright.qemu',
      kind: 'qemu-disk',
      id: config.output.vmName,
      files: exported.files,
      description: `VM files in directory: ${config.output.outputDirectory} (${path.basename(exported.files[0]!)}, ${config.format})`,
      destroy: () => rm(outputDir, { recursive: true, force: true }),
      disk: {
        format: config.format,
        accelerator: exported.accelerator ?? 'tcg',
        firmware: config.firmware.kind === 'efi' ? { kind: 'efi', code: config.firmware.code } : { kind: 'bios' },
      },
    };
  },
};
