import { rm } from 'node:fs/promises';
import path from 'node:path';
import { noneCommunicator } from '../../communicators/none.js';
import { stepConnectSsh } from '../../communicators/ssh/step-connect.js';
import { stepProvision } from '../../core/common-steps.js';
import { UserError } from '../../base/errors.js';
import type { BuildContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import type { DiskController, NicType } from '../../formats/ovf.js';
import { virtualBoxProfile, type VirtualBoxController } from '../../machines/qemu/profiles.js';
import type { QemuConfig } from '../qemu/config.js';
import { stepBootCommand, stepDisk, stepFloppy, stepHttp, stepOutputDir, stepPort, stepRun, stepShutdown, stepSource } from '../qemu/steps.js';
import { openAppliance } from '../../formats/appliance.js';
import type { VirtualBoxConfig } from './config.js';
import { exportAppliance } from './export.js';
import { stepGuestAdditionsIso, stepPostShutdownDelay, stepUploadGuestFiles } from './guest-files.js';
import type { VirtualBoxState } from './state.js';

const NIC_OF_TYPE: Record<string, NicType> = { '82540EM': 'E1000', '82543GC': 'E1000', '82545EM': 'E1000', Am79C970A: 'PCNet32', Am79C973: 'PCNet32', virtio: 'virtio' };
const NIC_TYPE_OF: Record<NicType, string> = { E1000: '82540EM', PCNet32: 'Am79C973', virtio: 'virtio' };
const CONTROLLER_OF: Record<VirtualBoxController, DiskController> = { ide: 'ide', sata: 'sata', scsi: 'scsi', pcie: 'nvme', virtio: 'virtio' };
const VBOX_CONTROLLER: Record<DiskController, VirtualBoxController> = { ide: 'ide', sata: 'sata', scsi: 'scsi', nvme: 'pcie', virtio: 'virtio' };

/** The machine the qemu driver runs, in the terms of the QEMU engine's steps. */
interface QemuPlan extends QemuConfig {
  /** What the export describes; virtualbox-ovf fills it from the source appliance. */
  appliance: { osType: string; controller: DiskController; nic: NicType };
}

function planFor(config: VirtualBoxConfig): QemuPlan {
  const hw = config.hardware;
  const controller = hw?.hardDriveInterface ?? 'sata';
  const nicType = hw?.nicType ?? '82540EM';
  const profile = virtualBoxProfile({ controller, nicType, chipset: hw?.chipset ?? 'piix3' });
  const source = config.source;
  return {
    isoUrls: source.kind === 'iso' ? source.isoUrls : [source.sourcePath],
    isoChecksum: source.kind === 'iso' ? source.isoChecksum : source.checksum,
    diskImage: source.kind === 'ovf',
    useBackingFile: false,
    diskSizeBytes: hw?.diskSizeBytes,
    diskInterface: profile.diskInterface,
    netDevice: profile.netDevice,
    format: 'qcow2',
    diskCompression: false,
    skipCompaction: true,
    outputDirectory: config.outputDirectory,
    vmName: config.vmName,
    memoryMb: hw?.memoryMb ?? 512,
    cpus: hw?.cpus ?? 1,
    accelerator: config.accelerator,
    machineType: profile.machineType,
    qemuArgs: [],
    bootWaitMs: config.bootWaitMs,
    bootCommand: config.bootCommand,
    bootKeyIntervalMs: config.bootKeyIntervalMs,
    httpDirectory: config.httpDirectory,
    httpContent: config.httpContent,
    httpBindAddress: config.httpBindAddress,
    httpPortRange: config.httpPortRange,
    hostPortRange: config.hostPortRange,
    shutdownCommand: config.shutdownCommand,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    communicator: config.communicator,
    ssh: config.ssh,
    // VirtualBox opens a window when not headless; the qemu driver offers its console on VNC instead.
    vnc: config.headless ? undefined : { bindAddress: '127.0.0.1', portRange: [5900, 6000], usePassword: false },
    cdFiles: [],
    cdContent: {},
    cdLabel: undefined,
    floppy: config.floppy,
    // "firmware": "efi" is refused for this driver (stepCheckSupport): our OVF carries no VirtualBox firmware setting.
    firmware: { kind: 'bios' },
    efiDropVars: true,
    appliance: { osType: hw?.guestOsType ?? 'Other', controller: CONTROLLER_OF[controller], nic: NIC_OF_TYPE[nicType] ?? 'E1000' },
  };
}

/** Says which options the qemu driver cannot apply, and refuses what it cannot build. */
function stepCheckSupport(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'check-driver-support',
    async run(_state, ctx) {
      if (config.hardware?.firmware === 'efi') throw new UserError('"firmware": "efi" is not supported by the qemu driver yet', 'use "firmware": "bios", or build where VirtualBox is installed ("driver": "vboxmanage")');
      for (const option of config.nativeOnly) ctx.ui.error(`Ignoring "${option}": only VirtualBox can apply it, and this build runs on the qemu driver.`);
    },
  };
}

/** virtualbox-ovf: reads the source appliance and boots its disk on the hardware it describes. */
function stepReadAppliance(plan: QemuPlan): Step<VirtualBoxState> {
  return {
    name: 'read-appliance',
    async run(state, ctx) {
      ctx.ui.say(`Reading the appliance ${state.source}...`);
      const appliance = await openAppliance(state.source!, ctx.signal);
      state.unpackDir = appliance.unpacked;
      const m = appliance.machine;
      if (m.disks.length !== 1) throw new UserError(`${path.basename(appliance.ovfFile)} has ${m.disks.length} disks; the qemu driver builds appliances with exactly one`, 'build this appliance where VirtualBox is installed ("driver": "vboxmanage")');
      state.appliance = m;
      state.source = path.join(appliance.dir, m.disks[0]!.file);
      const profile = virtualBoxProfile({ controller: VBOX_CONTROLLER[m.controller], nicType: NIC_TYPE_OF[m.nic], chipset: 'piix3' });
      Object.assign(plan, { memoryMb: m.memoryMb || 512, cpus: m.cpus || 1, diskInterface: profile.diskInterface, netDevice: profile.netDevice, appliance: { osType: m.osType || 'Other', controller: m.controller, nic: m.nic } });
      ctx.ui.say(`Appliance "${m.name}": ${m.osType || 'unknown OS'}, ${m.cpus} CPU, ${m.memoryMb} MB, ${m.controller.toUpperCase()} disk, ${m.nic} network`);
    },
    async cleanup(state) {
      if (state.unpackDir) await rm(state.unpackDir, { recursive: true, force: true });
      state.unpackDir = undefined;
    },
    leftover: (state) => (state.unpackDir ? `the unpacked appliance in ${state.unpackDir}` : undefined),
  };
}

/** Writes the OVF/OVA from the guest disk and removes the working disk. */
function stepExport(config: VirtualBoxConfig, plan: QemuPlan): Step<VirtualBoxState> {
  return {
    name: 'export',
    async run(state, ctx) {
      if (config.skipExport) {
        ctx.ui.say('Skipping export (skip_export); the working disk is left in the output directory.');
        state.exported = [state.disk!];
        state.finished = true;
        return;
      }
      ctx.ui.say(`Exporting ${config.format.toUpperCase()} with boxwright's streamOptimized VMDK writer...`);
      const { files } = await exportAppliance(state.disk!, state.outputDir!, { vmName: config.vmName, osType: plan.appliance.osType, cpus: plan.cpus, memoryMb: plan.memoryMb, controller: plan.appliance.controller, nic: plan.appliance.nic, format: config.format }, ctx.signal);
      ctx.ui.say(`Exported ${files.map((f) => path.basename(f)).join(', ')}; qemu-img compare found the VMDK identical to the guest disk.`);
      await rm(state.disk!, { force: true });
      state.exported = files;
      state.finished = true;
    },
  };
}

/** The qemu driver: the QEMU engine with VirtualBox-like hardware, then boxwright's own export. */
export function qemuDriverSteps(config: VirtualBoxConfig, build: BuildContext): Step<VirtualBoxState>[] {
  const plan = planFor(config);
  const connect: Step<VirtualBoxState> =
    config.communicator === 'ssh'
      ? stepConnectSsh<VirtualBoxState>(config.ssh!, (state) => ({ host: '127.0.0.1', port: state.sshPort! }))
      : { name: 'connect-none', run: async (state) => void (state.communicator = noneCommunicator) };
  const attachAdditions: Step<VirtualBoxState> = {
    name: 'attach-guest-additions',
    // Under QEMU the additions CD goes where cd_files CDs go: after the disks, on IDE.
    run: async (state) => void (config.guestAdditions.mode === 'attach' && state.guestAdditionsIso ? (state.cdIso = state.guestAdditionsIso) : undefined),
  };
  return [
    stepCheckSupport(config),
    stepOutputDir(plan, build),
    stepSource(plan),
    ...(config.source.kind === 'ovf' ? [stepReadAppliance(plan)] : []),
    stepDisk(plan),
    stepGuestAdditionsIso(config),
    attachAdditions,
    stepFloppy(plan),
    stepHttp(plan),
    stepPort(plan),
    stepRun(plan),
    stepBootCommand(plan),
    connect,
    stepUploadGuestFiles(config),
    stepProvision<VirtualBoxState>(build),
    stepShutdown(plan),
    stepPostShutdownDelay(config),
    stepExport(config, plan),
  ];
}
