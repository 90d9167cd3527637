import { UserError } from '../../base/errors.js';
import type { VmxMachine } from '../../formats/vmx.js';
import type { DriverCandidate } from '../../machines/driver.js';
import { QemuDriver } from '../../machines/qemu/driver.js';
import { vmxExporter } from '../../machines/qemu/export-vmx.js';
import { findOvmf, type Firmware } from '../../machines/qemu/firmware.js';
import type { VmwareConfig } from './config.js';
import { qemuHardwareFor, vmxDescriptionFor } from './hardware.js';
import { openVmxSource } from './machine-source.js';
import { VmrunDriver } from '../../machines/vmrun/driver.js';
import { VmwareTools } from '../../machines/vmrun/vmrun.js';

/** The QEMU engine on VMware-like hardware, writing the VM folder with boxwright's own writers. */
export function qemuCandidate(config: VmwareConfig): DriverCandidate {
  return {
    name: 'qemu',
    async probe({ pinned, skipped }) {
      const hw = config.hardware;
      const driver = new QemuDriver<VmxMachine>({
        accelerator: config.accelerator,
        hardware: (source) => qemuHardwareFor(hw, source),
        disk: config.installer
          ? { kind: 'blank', bytes: hw?.diskSizeBytes ?? 0 }
          : { kind: 'machine', open: openVmxSource, backingFile: config.linked },
        firmware: hw?.firmware === 'efi' ? ovmf() : { kind: 'bios' },
        keepEfiVars: false,
        vnc: config.vnc,
        extraArgs: [],
        exporter: vmxExporter<VmxMachine>({
          vmdkName: config.vmdkName,
          diskType: config.diskType,
          format: config.format,
          vmxData: config.vmxData,
          removeEthernet: config.removeEthernet,
          describe: (input) => vmxDescriptionFor(hw, input.source),
        }),
      });
      return {
        driver,
        reason: pinned ? 'pinned by "driver"' : [...skipped, 'QEMU with VMware-like hardware'].join('; '),
      };
    },
  };
}

/** UEFI under QEMU is OVMF; VMware brings its own. */
function ovmf(): Firmware {
  const installed = findOvmf();
  if (!installed)
    throw new UserError(
      '"firmware": "efi" on the qemu driver needs OVMF, and none is installed here',
      'install the ovmf package, or build where VMware is installed ("driver": "vmrun")',
    );
  return { kind: 'efi', code: installed.code, varsTemplate: installed.vars };
}

/** VMware Workstation/Player/Fusion itself, when vmrun runs here. */
export function vmrunCandidate(config: VmwareConfig, log: (line: string) => void): DriverCandidate {
  return {
    name: 'vmrun',
    async probe({ pinned }) {
      const tools = new VmwareTools(log);
      if (!(await tools.available())) {
        return {
          skipped: `${tools.vmrunBinary} not found`,
          refusal: `"driver": "vmrun" needs VMware Workstation, Player or Fusion, and ${tools.vmrunBinary} does not run here`,
          hint: 'install VMware, or use "driver": "qemu" (or "auto") to build on QEMU with VMware-like hardware',
        };
      }
      const hw = config.hardware;
      const driver = new VmrunDriver(tools, {
        creation: hw
          ? {
              kind: 'create',
              machine: { ...vmxDescriptionFor(hw, undefined), memoryMb: hw.memoryMb, cpus: hw.cpus },
              diskSizeBytes: hw.diskSizeBytes,
              diskType: config.diskType,
              vmdkName: config.vmdkName,
            }
          : { kind: 'clone', linked: config.linked, snapshot: config.snapshotName },
        vmxData: config.vmxData,
        vmxDataPost: config.vmxDataPost,
        removeEthernet: config.removeEthernet,
        headless: config.headless,
        skipCompaction: config.skipCompaction,
        format: config.format,
        vnc: { bindAddress: config.vnc?.bindAddress ?? '127.0.0.1', portRange: config.vnc?.portRange ?? [5900, 6000] },
      });
      return { driver, reason: `VMware (${tools.vmrunBinary})${pinned ? ', pinned by "driver"' : ' found'}` };
    },
  };
}
