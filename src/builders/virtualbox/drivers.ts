import type { RunContext } from '../../core/plugin.js';
import type { OvfMachine } from '../../formats/ovf.js';
import { openApplianceSource } from './appliance-source.js';
import type { DriverCandidate } from '../../machines/driver.js';
import { QemuDriver } from '../../machines/qemu/driver.js';
import { ovfExporter } from '../../machines/qemu/export-ovf.js';
import { findOvmf, type Firmware } from '../../machines/qemu/firmware.js';
import { VBoxManageDriver } from '../../machines/vboxmanage/driver.js';
import { VBoxManage } from '../../machines/vboxmanage/vboxmanage.js';
import { UserError } from '../../base/errors.js';
import type { VirtualBoxConfig } from './config.js';
import { applianceDescriptionFor, qemuHardwareFor } from './hardware.js';

/** VirtualBox itself, when VBoxManage runs here. */
export function vboxmanageCandidate(config: VirtualBoxConfig, log: RunContext['log']): DriverCandidate {
  return {
    name: 'vboxmanage',
    async probe({ pinned }) {
      const vbox = new VBoxManage(log);
      const version = await vbox.version();
      if (version === undefined)
        return {
          skipped: `${vbox.binary} not found`,
          refusal: `"driver": "vboxmanage" needs VirtualBox, and ${vbox.binary} does not run here`,
          hint: 'install VirtualBox, or use "driver": "qemu" (or "auto") to build on QEMU with VirtualBox-like hardware',
        };
      return {
        driver: new VBoxManageDriver(vbox, version, config.native),
        reason: `VirtualBox ${version}${pinned ? ', pinned by "driver"' : ' found'}`,
      };
    },
  };
}

/** The QEMU engine on VirtualBox-like hardware, exporting the appliance with boxwright's own writers. */
export function qemuCandidate(config: VirtualBoxConfig): DriverCandidate {
  return {
    name: 'qemu',
    async probe({ pinned, skipped }) {
      const hw = config.hardware;
      const driver = new QemuDriver<OvfMachine>({
        accelerator: config.accelerator,
        hardware: (appliance) => qemuHardwareFor(hw, appliance),
        disk: config.installer
          ? { kind: 'blank', bytes: hw?.diskSizeBytes ?? 0 }
          : { kind: 'machine', open: openApplianceSource, backingFile: false },
        firmware: hw?.firmware === 'efi' ? ovmf() : { kind: 'bios' },
        keepEfiVars: false,
        // VirtualBox opens a window when not headless; the qemu driver offers its console on VNC instead.
        vnc: config.headless ? undefined : { bindAddress: '127.0.0.1', portRange: [5900, 6000], usePassword: false },
        extraArgs: [],
        exporter: ovfExporter({
          format: config.format,
          skipExport: config.skipExport,
          describe: (input) => applianceDescriptionFor(hw, input.source),
        }),
      });
      return {
        driver,
        reason: pinned ? 'pinned by "driver"' : `${[...skipped, 'QEMU with VirtualBox-like hardware'].join('; ')}`,
      };
    },
  };
}

/** UEFI under QEMU is OVMF; VirtualBox brings its own. */
function ovmf(): Firmware {
  const installed = findOvmf();
  if (!installed)
    throw new UserError(
      '"firmware": "efi" on the qemu driver needs OVMF, and none is installed here',
      'install the ovmf package, or build where VirtualBox is installed ("driver": "vboxmanage")',
    );
  return { kind: 'efi', code: installed.code, varsTemplate: installed.vars };
}
