import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { noneCommunicator } from '../../communicators/none.js';
import { stepConnectSsh } from '../../communicators/ssh/step-connect.js';
import { stepProvision } from '../../core/common-steps.js';
import { formatElapsed } from '../../base/duration.js';
import { messageOf, sleep, UserError } from '../../base/errors.js';
import type { BuildContext, RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { toScancodes } from '../../machines/vboxmanage/scancodes.js';
import { parseHostOnlyInterfaces, parseMachineReadable, type VBoxManage } from '../../machines/vboxmanage/vboxmanage.js';
import { bootCommandKeys, stepFloppy, stepHttp, stepOutputDir, stepPort, stepSource } from '../qemu/steps.js';
import type { HardDriveInterface, VirtualBoxConfig } from './config.js';
import { stepGuestAdditionsIso, stepPostShutdownDelay, stepUploadGuestFiles } from './guest-files.js';
import type { VirtualBoxState } from './state.js';

/** VirtualBox's storage controllers, named as Packer names them. */
const CONTROLLERS: Record<HardDriveInterface, { name: string; args: string[] }> = {
  ide: { name: 'IDE Controller', args: ['--add', 'ide'] },
  sata: { name: 'SATA Controller', args: ['--add', 'sata', '--controller', 'IntelAhci'] },
  scsi: { name: 'SCSI Controller', args: ['--add', 'scsi', '--controller', 'LsiLogic'] },
  pcie: { name: 'NVMe Controller', args: ['--add', 'pcie', '--controller', 'NVMe'] },
  virtio: { name: 'VirtIO Controller', args: ['--add', 'virtio', '--controller', 'VirtIO'] },
};

const PORT_FORWARD_RULE = 'packercomm';

async function vmState(vbox: VBoxManage, vmName: string, signal: AbortSignal): Promise<string> {
  return parseMachineReadable(await vbox.run(['showvminfo', vmName, '--machinereadable'], signal)).get('VMState') ?? 'unknown';
}

/** Unregisters the machine and deletes its files (unless keep_registered and the build worked). */
function stepRegister(config: VirtualBoxConfig, name: string, register: (state: VirtualBoxState, ctx: RunContext) => Promise<void>): Step<VirtualBoxState> {
  return {
    name,
    async run(state, ctx) {
      await register(state, ctx);
      state.registered = true;
    },
    async cleanup(state, ctx) {
      if (!state.registered) return;
      if (config.keepRegistered && state.finished) return void ctx.ui.say(`Keeping the virtual machine ${config.vmName} registered (keep_registered).`);
      ctx.ui.say('Deregistering and deleting the virtual machine...');
      try {
        await state.vbox!.run(['unregistervm', config.vmName, '--delete']);
        state.registered = false;
      } catch (err) {
        ctx.ui.error(`Could not delete the virtual machine ${config.vmName}: ${messageOf(err)}. Remove it with: VBoxManage unregistervm ${config.vmName} --delete`);
      }
    },
    leftover: (state) => (state.registered ? `the VirtualBox machine ${config.vmName} (VBoxManage unregistervm ${config.vmName} --delete)` : undefined),
  };
}

/** virtualbox-iso: createvm, the disk, the controllers and the installer ISO. */
function stepCreateVm(config: VirtualBoxConfig): Step<VirtualBoxState> {
  const hw = config.hardware!;
  return stepRegister(config, 'create-vm', async (state, ctx) => {
    const vbox = state.vbox!;
    ctx.ui.say(`Creating the virtual machine ${config.vmName}...`);
    await vbox.run(['createvm', '--name', config.vmName, '--ostype', hw.guestOsType, '--register'], ctx.signal);
    state.registered = true;
    await vbox.run(['modifyvm', config.vmName, '--boot1', 'disk', '--boot2', 'dvd', '--boot3', 'none', '--boot4', 'none', '--memory', String(hw.memoryMb), '--cpus', String(hw.cpus), '--chipset', hw.chipset, '--firmware', hw.firmware, '--nic1', 'nat', '--nictype1', hw.nicType, ...config.modifyvm], ctx.signal);
    const disk = path.join(state.outputDir!, `${config.vmName}.vdi`);
    ctx.ui.say('Creating the hard drive...');
    await vbox.run(['createmedium', 'disk', '--filename', disk, '--size', String(Math.ceil(hw.diskSizeBytes / 1024 / 1024)), '--format', 'VDI', '--variant', 'Standard'], ctx.signal);
    const controller = CONTROLLERS[hw.hardDriveInterface];
    await vbox.run(['storagectl', config.vmName, '--name', controller.name, ...controller.args, ...(hw.hardDriveInterface === 'sata' ? ['--portcount', String(hw.sataPortCount)] : [])], ctx.signal);
    // The installer ISO needs an IDE controller unless it goes on SATA.
    if (hw.hardDriveInterface !== 'ide' && hw.isoInterface === 'ide') await vbox.run(['storagectl', config.vmName, '--name', CONTROLLERS.ide.name, ...CONTROLLERS.ide.args], ctx.signal);
    await vbox.run(['storageattach', config.vmName, '--storagectl', controller.name, '--port', '0', '--device', '0', '--type', 'hdd', '--medium', disk, ...config.diskAttachFlags], ctx.signal);
    // Packer's places: IDE port 0 device 1 (next to an IDE disk), or SATA port 1.
    const iso = hw.isoInterface === 'sata' ? { controller: CONTROLLERS.sata.name, port: 1, device: 0 } : { controller: CONTROLLERS.ide.name, port: 0, device: 1 };
    if (hw.isoInterface === 'sata' && hw.hardDriveInterface !== 'sata') await vbox.run(['storagectl', config.vmName, '--name', CONTROLLERS.sata.name, ...CONTROLLERS.sata.args], ctx.signal);
    await vbox.run(['storageattach', config.vmName, '--storagectl', iso.controller, '--port', String(iso.port), '--device', String(iso.device), '--type', 'dvddrive', '--medium', state.source!], ctx.signal);
    state.buildDevices = [iso];
  });
}

/** virtualbox-ovf: VBoxManage import, with import_opts and import_flags. */
function stepImport(config: VirtualBoxConfig): Step<VirtualBoxState> {
  const source = config.source;
  if (source.kind !== 'ovf') throw new Error('internal: stepImport needs an OVF source');
  return stepRegister(config, 'import', async (state, ctx) => {
    ctx.ui.say(`Importing ${state.source}...`);
    await state.vbox!.run(['import', state.source!, '--vsys', '0', '--vmname', config.vmName, ...(source.importOpts ? ['--options', source.importOpts] : []), ...source.importFlags], ctx.signal);
  });
}

/** Attaches the guest additions ISO for guest_additions_mode "attach". */
function stepAttachAdditions(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'attach-guest-additions',
    async run(state, ctx) {
      if (config.guestAdditions.mode !== 'attach' || !state.guestAdditionsIso) return;
      const slot = { controller: CONTROLLERS.ide.name, port: 1, device: 0 };
      // An imported appliance may lack an IDE controller, or already have one (then VirtualBox refuses a second: fine).
      if (config.source.kind === 'ovf') await state.vbox!.run(['storagectl', config.vmName, '--name', slot.controller, ...CONTROLLERS.ide.args], ctx.signal).catch(() => undefined);
      await state.vbox!.run(['storageattach', config.vmName, '--storagectl', slot.controller, '--port', String(slot.port), '--device', String(slot.device), '--type', 'dvddrive', '--medium', state.guestAdditionsIso], ctx.signal);
      state.buildDevices = [...(state.buildDevices ?? []), slot];
    },
  };
}

/** Adds a floppy controller and puts the floppy_files image in drive A:, as Packer does. */
function stepAttachFloppy(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'attach-floppy',
    async run(state, ctx) {
      if (!state.floppy) return;
      const slot = { controller: 'Floppy Controller', port: 0, device: 0 };
      ctx.ui.say('Attaching the floppy...');
      await state.vbox!.run(['storagectl', config.vmName, '--name', slot.controller, '--add', 'floppy'], ctx.signal);
      await state.vbox!.run(['storageattach', config.vmName, '--storagectl', slot.controller, '--port', '0', '--device', '0', '--type', 'fdd', '--medium', state.floppy], ctx.signal);
      state.buildDevices = [...(state.buildDevices ?? []), slot];
    },
  };
}

/** A NAT rule from 127.0.0.1:PORT to the guest's SSH port (unless skip_nat_mapping). */
function stepForwardSsh(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'forward-ssh',
    async run(state, ctx) {
      if (config.communicator !== 'ssh' || config.skipNatMapping) return;
      ctx.ui.say(`Forwarding 127.0.0.1:${state.sshPort} to the guest's SSH port ${config.ssh!.port}`);
      await state.vbox!.run(['modifyvm', config.vmName, '--natpf1', `${PORT_FORWARD_RULE},tcp,127.0.0.1,${state.sshPort},,${config.ssh!.port}`], ctx.signal);
    },
  };
}

/** Runs the template's vboxmanage (or vboxmanage_post) commands, {{ .Name }} being the VM's name. */
function stepCustomCommands(config: VirtualBoxConfig, which: 'vboxmanage' | 'vboxmanage_post'): Step<VirtualBoxState> {
  const commands = which === 'vboxmanage' ? config.vboxmanage : config.vboxmanagePost;
  return {
    name: which,
    async run(state, ctx) {
      if (commands.length === 0) return;
      ctx.ui.say(`Running the ${which} commands...`);
      let hostOnly: string[] | undefined;
      for (const command of commands) {
        const args = command.map((a) => ctx.render(a, { Name: config.vmName }));
        // A missing host-only interface makes VirtualBox fail late, at startvm; say it here, with the ones that exist.
        const named = args.findIndex((a) => /^--hostonlyadapter\d$/.test(a));
        if (named >= 0 && args[named + 1]) {
          hostOnly ??= parseHostOnlyInterfaces(await state.vbox!.run(['list', 'hostonlyifs'], ctx.signal)).map((i) => i.name);
          if (!hostOnly.includes(args[named + 1]!)) throw new UserError(`${which}: the host-only interface "${args[named + 1]}" does not exist`, hostOnly.length ? `VirtualBox has ${hostOnly.join(', ')}` : 'VirtualBox has none; create one with VBoxManage hostonlyif create');
        }
        ctx.ui.message(`Executing: ${args.join(' ')}`);
        await state.vbox!.run(args, ctx.signal);
      }
    },
  };
}

/** startvm; cleanup powers the machine off if it still runs. */
function stepStart(config: VirtualBoxConfig): Step<VirtualBoxState> {
  let started = false;
  return {
    name: 'start-vm',
    async run(state, ctx) {
      ctx.ui.say(`Starting the virtual machine${config.headless ? ' (headless)' : ''}...`);
      await state.vbox!.run(['startvm', config.vmName, '--type', config.headless ? 'headless' : 'gui'], ctx.signal);
      started = true;
    },
    async cleanup(state, ctx) {
      if (!started) return;
      started = false;
      const running = await vmState(state.vbox!, config.vmName, new AbortController().signal).catch(() => 'unknown');
      if (running === 'poweroff' || running === 'aborted' || running === 'saved') return;
      ctx.ui.say('Powering off the virtual machine...');
      await state.vbox!.run(['controlvm', config.vmName, 'poweroff']).catch((err) => ctx.log(`controlvm poweroff: ${messageOf(err)}`));
    },
  };
}

/** Types boot_command as PC scancodes with keyboardputscancode. */
function stepTypeBootCommand(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'boot-command',
    async run(state, ctx) {
      const keys = await bootCommandKeys(config, state, ctx);
      if (!keys) return;
      for (const batch of toScancodes(keys)) {
        if (batch.kind === 'wait') await sleep(batch.ms, ctx.signal);
        else {
          await state.vbox!.run(['controlvm', config.vmName, 'keyboardputscancode', ...batch.codes], ctx.signal);
          await sleep(config.bootKeyIntervalMs, ctx.signal);
        }
      }
    },
  };
}

/** shutdown_command over SSH and a wait for "poweroff"; without one, controlvm poweroff (Packer's halt). */
function stepShutdownVm(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'shutdown',
    async run(state, ctx) {
      const vbox = state.vbox!;
      if (config.shutdownCommand && state.communicator && state.communicator.type !== 'none') {
        ctx.ui.say('Sending the shutdown command...');
        await state.communicator.exec(config.shutdownCommand, { signal: ctx.signal, onStdout: (l) => ctx.ui.message(l), onStderr: (l) => ctx.ui.message(l) }).catch((err) => ctx.log(`shutdown command: ${messageOf(err)}`));
        const deadline = Date.now() + config.shutdownTimeoutMs;
        while ((await vmState(vbox, config.vmName, ctx.signal)) !== 'poweroff') {
          if (Date.now() > deadline) throw new Error(`the guest did not power off within shutdown_timeout (${formatElapsed(config.shutdownTimeoutMs)})`);
          await sleep(500, ctx.signal);
        }
      } else {
        ctx.ui.say('Halting the virtual machine...');
        await vbox.run(['controlvm', config.vmName, 'poweroff'], ctx.signal);
      }
      ctx.ui.say('The guest powered off.');
    },
  };
}

/** Detaches the ISO and additions CD and drops the SSH forward, so the export carries neither. */
function stepRemoveBuildDevices(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'remove-build-devices',
    async run(state, ctx) {
      for (const slot of state.buildDevices ?? []) {
        await state.vbox!.run(['storageattach', config.vmName, '--storagectl', slot.controller, '--port', String(slot.port), '--device', String(slot.device), '--medium', 'none'], ctx.signal);
      }
      state.buildDevices = [];
      if (config.communicator === 'ssh' && !config.skipNatMapping) await state.vbox!.run(['modifyvm', config.vmName, '--natpf1', 'delete', PORT_FORWARD_RULE], ctx.signal);
    },
  };
}

function stepExportVm(config: VirtualBoxConfig): Step<VirtualBoxState> {
  return {
    name: 'export',
    async run(state, ctx) {
      const dir = state.outputDir!;
      if (!config.skipExport) {
        const output = path.join(dir, `${config.vmName}.${config.format}`);
        ctx.ui.say(`Exporting the virtual machine to ${output}...`);
        // The manifest lets `VBoxManage import` and boxwright check the files.
        const manifest = config.exportOpts.includes('--manifest') ? [] : ['--manifest'];
        await state.vbox!.run(['export', config.vmName, '--output', output, ...manifest, ...config.exportOpts.map((a) => ctx.render(a, { Name: config.vmName }))], ctx.signal);
        if (!existsSync(output)) throw new Error(`VBoxManage export reported success but wrote no ${output}`);
      }
      // The working VDI goes with the machine at unregistervm --delete; what stays is the export.
      state.exported = readdirSync(dir).filter((f) => !f.endsWith('.vdi') || config.skipExport || config.keepRegistered).sort().map((f) => path.join(dir, f));
      state.finished = true;
    },
  };
}

/** The vboxmanage driver: VirtualBox itself runs the machine, driven through VBoxManage. */
export function vboxmanageDriverSteps(config: VirtualBoxConfig, build: BuildContext): Step<VirtualBoxState>[] {
  // The steps below use only these fields; the qemu engine's shared steps read them by the same names.
  const shared = {
    outputDirectory: config.outputDirectory,
    isoUrls: config.source.kind === 'iso' ? config.source.isoUrls : [config.source.sourcePath],
    isoChecksum: config.source.kind === 'iso' ? config.source.isoChecksum : config.source.checksum,
    // VirtualBox shows its own window or VRDP console; no VNC port is needed.
    vnc: undefined,
    httpDirectory: config.httpDirectory,
    httpContent: config.httpContent,
    httpBindAddress: config.httpBindAddress,
    httpPortRange: config.httpPortRange,
    communicator: config.skipNatMapping ? ('none' as const) : config.communicator,
    hostPortRange: config.hostPortRange,
  };
  const connect: Step<VirtualBoxState> =
    config.communicator === 'ssh'
      ? stepConnectSsh<VirtualBoxState>(config.ssh!, (state) => (config.skipNatMapping ? { host: config.ssh!.host ?? '127.0.0.1', port: config.ssh!.port } : { host: '127.0.0.1', port: state.sshPort! }))
      : { name: 'connect-none', run: async (state) => void (state.communicator = noneCommunicator) };
  return [
    stepOutputDir(shared, build),
    stepSource(shared),
    stepGuestAdditionsIso(config),
    stepHttp(shared),
    config.source.kind === 'iso' ? stepCreateVm(config) : stepImport(config),
    stepAttachAdditions(config),
    stepFloppy(config),
    stepAttachFloppy(config),
    stepPort(shared),
    stepForwardSsh(config),
    stepCustomCommands(config, 'vboxmanage'),
    stepStart(config),
    stepTypeBootCommand(config),
    connect,
    stepUploadGuestFiles(config),
    stepProvision<VirtualBoxState>(build),
    stepShutdownVm(config),
    stepPostShutdownDelay(config),
    stepRemoveBuildDevices(config),
    stepCustomCommands(config, 'vboxmanage_post'),
    stepExportVm(config),
  ];
}
