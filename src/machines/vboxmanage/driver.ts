import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { messageOf, sleep, UserError } from '../../base/errors.js';
import type { RunContext } from '../../core/plugin.js';
import type { BootAction } from '../boot-command.js';
import type { DefinedMachine, DefineRequest, ExportResult, MachineDriver, RunningVm, StoppedVm } from '../driver.js';
import { toScancodes } from './scancodes.js';
import { parseHostOnlyInterfaces, parseMachineReadable, type VBoxManage } from './vboxmanage.js';

export type HardDriveInterface = 'ide' | 'sata' | 'scsi' | 'pcie' | 'virtio';

/** The hardware virtualbox-iso gives a new machine (createvm, modifyvm, createmedium, storagectl). */
export interface VirtualBoxHardware {
  guestOsType: string;
  diskSizeBytes: number;
  hardDriveInterface: HardDriveInterface;
  sataPortCount: number;
  isoInterface: 'ide' | 'sata';
  nicType: string;
  chipset: 'piix3' | 'ich9';
  firmware: 'bios' | 'efi';
  memoryMb: number;
  cpus: number;
}

/** What VirtualBox itself applies: how the machine is made, the template's VBoxManage commands, and the export. */
export interface VBoxManageSettings {
  creation:
    | { kind: 'create'; hardware: VirtualBoxHardware; modifyvm: string[]; diskAttachFlags: string[] }
    | { kind: 'import'; importFlags: string[]; importOpts: string };
  vboxmanage: string[][];
  vboxmanagePost: string[][];
  headless: boolean;
  format: 'ovf' | 'ova';
  exportOpts: string[];
  keepRegistered: boolean;
  skipExport: boolean;
}

/** VirtualBox's storage controllers, named as Packer names them. */
const CONTROLLERS: Record<HardDriveInterface, { name: string; args: string[] }> = {
  ide: { name: 'IDE Controller', args: ['--add', 'ide'] },
  sata: { name: 'SATA Controller', args: ['--add', 'sata', '--controller', 'IntelAhci'] },
  scsi: { name: 'SCSI Controller', args: ['--add', 'scsi', '--controller', 'LsiLogic'] },
  pcie: { name: 'NVMe Controller', args: ['--add', 'pcie', '--controller', 'NVMe'] },
  virtio: { name: 'VirtIO Controller', args: ['--add', 'virtio', '--controller', 'VirtIO'] },
};

const PORT_FORWARD_RULE = 'packercomm';

interface Slot {
  controller: string;
  port: number;
  device: number;
}

/** What the stages of one machine share: VirtualBox, the names, and what is attached for the build only. */
interface Session {
  vbox: VBoxManage;
  settings: VBoxManageSettings;
  request: DefineRequest;
  registered: boolean;
  buildDevices: Slot[];
  exported: boolean;
}

/** VirtualBox itself, driven through VBoxManage (Packer's virtualbox builders' steps, as a driver). */
export class VBoxManageDriver implements MachineDriver {
  readonly name = 'vboxmanage';
  readonly forwardsPorts = true;
  constructor(
    readonly vbox: VBoxManage,
    /** VirtualBox's version ("7.0.14"). */
    readonly version: string,
    private readonly settings: VBoxManageSettings,
  ) {}

  async define(request: DefineRequest, ctx: RunContext): Promise<DefinedMachine> {
    const session: Session = {
      vbox: this.vbox,
      settings: this.settings,
      request,
      registered: false,
      buildDevices: [],
      exported: false,
    };
    const machine = new VBoxDefined(session);
    try {
      await register(session, ctx);
      await attachBuildMedia(session, ctx);
      if (request.sshForward) {
        ctx.ui.say(
          `Forwarding 127.0.0.1:${request.sshForward.hostPort} to the guest's SSH port ${request.sshForward.guestPort}`,
        );
        await this.vbox.run(
          [
            'modifyvm',
            request.vmName,
            '--natpf1',
            `${PORT_FORWARD_RULE},tcp,127.0.0.1,${request.sshForward.hostPort},,${request.sshForward.guestPort}`,
          ],
          ctx.signal,
        );
      }
      await runCustomCommands(session, 'vboxmanage', ctx);
      return machine;
    } catch (err) {
      // A machine half made is a machine all the same: it goes.
      await machine.destroy(ctx);
      throw err;
    }
  }
}

/** virtualbox-iso: createvm, the disk, the controllers and the installer; virtualbox-ovf: import. */
async function register(s: Session, ctx: RunContext): Promise<void> {
  const { vbox, request } = s;
  const vm = request.vmName;
  const creation = s.settings.creation;
  if (creation.kind === 'import') {
    ctx.ui.say(`Importing ${request.source}...`);
    await vbox.run(
      [
        'import',
        request.source,
        '--vsys',
        '0',
        '--vmname',
        vm,
        ...(creation.importOpts ? ['--options', creation.importOpts] : []),
        ...creation.importFlags,
      ],
      ctx.signal,
    );
    s.registered = true;
    return;
  }
  const hw = creation.hardware;
  ctx.ui.say(`Creating the virtual machine ${vm}...`);
  await vbox.run(['createvm', '--name', vm, '--ostype', hw.guestOsType, '--register'], ctx.signal);
  s.registered = true;
  await vbox.run(
    [
      'modifyvm',
      vm,
      '--boot1',
      'disk',
      '--boot2',
      'dvd',
      '--boot3',
      'none',
      '--boot4',
      'none',
      '--memory',
      String(hw.memoryMb),
      '--cpus',
      String(hw.cpus),
      '--chipset',
      hw.chipset,
      '--firmware',
      hw.firmware,
      '--nic1',
      'nat',
      '--nictype1',
      hw.nicType,
      ...creation.modifyvm,
    ],
    ctx.signal,
  );
  const disk = path.join(request.outputDir, `${vm}.vdi`);
  ctx.ui.say('Creating the hard drive...');
  await vbox.run(
    [
      'createmedium',
      'disk',
      '--filename',
      disk,
      '--size',
      String(Math.ceil(hw.diskSizeBytes / 1024 / 1024)),
      '--format',
      'VDI',
      '--variant',
      'Standard',
    ],
    ctx.signal,
  );
  const controller = CONTROLLERS[hw.hardDriveInterface];
  await vbox.run(
    [
      'storagectl',
      vm,
      '--name',
      controller.name,
      ...controller.args,
      ...(hw.hardDriveInterface === 'sata' ? ['--portcount', String(hw.sataPortCount)] : []),
    ],
    ctx.signal,
  );
  // The installer ISO needs an IDE controller unless it goes on SATA.
  if (hw.hardDriveInterface !== 'ide' && hw.isoInterface === 'ide')
    await vbox.run(['storagectl', vm, '--name', CONTROLLERS.ide.name, ...CONTROLLERS.ide.args], ctx.signal);
  await vbox.run(
    [
      'storageattach',
      vm,
      '--storagectl',
      controller.name,
      '--port',
      '0',
      '--device',
      '0',
      '--type',
      'hdd',
      '--medium',
      disk,
      ...creation.diskAttachFlags,
    ],
    ctx.signal,
  );
  if (!request.media.installer) return;
  // Packer's places: IDE port 0 device 1 (next to an IDE disk), or SATA port 1.
  const iso: Slot =
    hw.isoInterface === 'sata'
      ? { controller: CONTROLLERS.sata.name, port: 1, device: 0 }
      : { controller: CONTROLLERS.ide.name, port: 0, device: 1 };
  if (hw.isoInterface === 'sata' && hw.hardDriveInterface !== 'sata')
    await vbox.run(['storagectl', vm, '--name', CONTROLLERS.sata.name, ...CONTROLLERS.sata.args], ctx.signal);
  await vbox.run(
    [
      'storageattach',
      vm,
      '--storagectl',
      iso.controller,
      '--port',
      String(iso.port),
      '--device',
      String(iso.device),
      '--type',
      'dvddrive',
      '--medium',
      request.source,
    ],
    ctx.signal,
  );
  s.buildDevices.push(iso);
}

/** The guest tools CD (IDE port 1) and the floppy in drive A:, as Packer attaches them. */
async function attachBuildMedia(s: Session, ctx: RunContext): Promise<void> {
  const { vbox, request } = s;
  const vm = request.vmName;
  for (const cd of request.media.cds.slice(0, 1)) {
    const slot: Slot = { controller: CONTROLLERS.ide.name, port: 1, device: 0 };
    // An imported appliance may lack an IDE controller, or already have one (then VirtualBox refuses a second: fine).
    if (s.settings.creation.kind === 'import')
      await vbox
        .run(['storagectl', vm, '--name', slot.controller, ...CONTROLLERS.ide.args], ctx.signal)
        .catch(() => undefined);
    await vbox.run(
      [
        'storageattach',
        vm,
        '--storagectl',
        slot.controller,
        '--port',
        String(slot.port),
        '--device',
        String(slot.device),
        '--type',
        'dvddrive',
        '--medium',
        cd,
      ],
      ctx.signal,
    );
    s.buildDevices.push(slot);
  }
  if (request.media.floppy) {
    const slot: Slot = { controller: 'Floppy Controller', port: 0, device: 0 };
    ctx.ui.say('Attaching the floppy...');
    await vbox.run(['storagectl', vm, '--name', slot.controller, '--add', 'floppy'], ctx.signal);
    await vbox.run(
      [
        'storageattach',
        vm,
        '--storagectl',
        slot.controller,
        '--port',
        '0',
        '--device',
        '0',
        '--type',
        'fdd',
        '--medium',
        request.media.floppy,
      ],
      ctx.signal,
    );
    s.buildDevices.push(slot);
  }
}

/** Runs the template's vboxmanage (or vboxmanage_post) commands, {{ .Name }} being the VM's name. */
async function runCustomCommands(s: Session, which: 'vboxmanage' | 'vboxmanage_post', ctx: RunContext): Promise<void> {
  const commands = which === 'vboxmanage' ? s.settings.vboxmanage : s.settings.vboxmanagePost;
  if (commands.length === 0) return;
  ctx.ui.say(`Running the ${which} commands...`);
  let hostOnly: string[] | undefined;
  for (const command of commands) {
    const args = command.map((a) => ctx.render(a, { Name: s.request.vmName }));
    // A missing host-only interface makes VirtualBox fail late, at startvm; say it here, with the ones that exist.
    const named = args.findIndex((a) => /^--hostonlyadapter\d$/.test(a));
    if (named >= 0 && args[named + 1]) {
      hostOnly ??= parseHostOnlyInterfaces(await s.vbox.run(['list', 'hostonlyifs'], ctx.signal)).map((i) => i.name);
      if (!hostOnly.includes(args[named + 1]!))
        throw new UserError(
          `${which}: the host-only interface "${args[named + 1]}" does not exist`,
          hostOnly.length
            ? `VirtualBox has ${hostOnly.join(', ')}`
            : 'VirtualBox has none; create one with VBoxManage hostonlyif create',
        );
    }
    ctx.ui.message(`Executing: ${args.join(' ')}`);
    await s.vbox.run(args, ctx.signal);
  }
}

async function vmState(s: Session, signal: AbortSignal): Promise<string> {
  return (
    parseMachineReadable(await s.vbox.run(['showvminfo', s.request.vmName, '--machinereadable'], signal)).get(
      'VMState',
    ) ?? 'unknown'
  );
}

class VBoxDefined implements DefinedMachine {
  constructor(private readonly s: Session) {}

  get leftover(): string {
    const vm = this.s.request.vmName;
    return `the VirtualBox machine ${vm} (VBoxManage unregistervm ${vm} --delete)`;
  }

  async start(ctx: RunContext): Promise<RunningVm> {
    const { vbox, request, settings } = this.s;
    ctx.ui.say(`Starting the virtual machine${settings.headless ? ' (headless)' : ''}...`);
    await vbox.run(['startvm', request.vmName, '--type', settings.headless ? 'headless' : 'gui'], ctx.signal);
    return new VBoxRunning(this.s);
  }

  /** Unregisters the machine and deletes its files, unless keep_registered and the build worked. */
  async destroy(ctx: RunContext): Promise<void> {
    const s = this.s;
    const vm = s.request.vmName;
    if (!s.registered) return;
    if (s.settings.keepRegistered && s.exported)
      return void ctx.ui.say(`Keeping the virtual machine ${vm} registered (keep_registered).`);
    ctx.ui.say('Deregistering and deleting the virtual machine...');
    try {
      await s.vbox.run(['unregistervm', vm, '--delete']);
      s.registered = false;
    } catch (err) {
      ctx.ui.error(
        `Could not delete the virtual machine ${vm}: ${messageOf(err)}. Remove it with: VBoxManage unregistervm ${vm} --delete`,
      );
    }
  }
}

class VBoxRunning implements RunningVm {
  constructor(private readonly s: Session) {}

  get leftover(): string {
    return `the running VirtualBox machine ${this.s.request.vmName} (VBoxManage controlvm ${this.s.request.vmName} poweroff)`;
  }

  /** Types boot_command as PC scancodes with keyboardputscancode. */
  async type(keys: BootAction[], intervalMs: number, ctx: RunContext): Promise<void> {
    for (const batch of toScancodes(keys)) {
      if (batch.kind === 'wait') await sleep(batch.ms, ctx.signal);
      else {
        await this.s.vbox.run(['controlvm', this.s.request.vmName, 'keyboardputscancode', ...batch.codes], ctx.signal);
        await sleep(intervalMs, ctx.signal);
      }
    }
  }

  async waitForPowerOff(ms: number, ctx: RunContext): Promise<StoppedVm | undefined> {
    const deadline = Date.now() + ms;
    while ((await vmState(this.s, ctx.signal)) !== 'poweroff') {
      if (Date.now() > deadline) return undefined;
      await sleep(500, ctx.signal);
    }
    return new VBoxStopped(this.s);
  }

  async halt(ctx: RunContext): Promise<StoppedVm> {
    await this.s.vbox.run(['controlvm', this.s.request.vmName, 'poweroff'], ctx.signal);
    return new VBoxStopped(this.s);
  }

  async forceOff(ctx: RunContext): Promise<void> {
    const state = await vmState(this.s, new AbortController().signal).catch(() => 'unknown');
    if (state === 'poweroff' || state === 'aborted' || state === 'saved') return;
    ctx.ui.say('Powering off the virtual machine...');
    await this.s.vbox
      .run(['controlvm', this.s.request.vmName, 'poweroff'])
      .catch((err) => ctx.log(`controlvm poweroff: ${messageOf(err)}`));
  }

  /** The NAT rule forwards the SSH port (or ssh_host names the guest with skip_nat_mapping). */
  async guestAddress(): Promise<string | undefined> {
    return undefined;
  }

  /** VirtualBox keeps the console to itself. */
  async consoleTail(): Promise<string | undefined> {
    return undefined;
  }
}

class VBoxStopped implements StoppedVm {
  constructor(private readonly s: Session) {}

  async detachBuildMedia(ctx: RunContext): Promise<void> {
    const { vbox, request } = this.s;
    for (const slot of this.s.buildDevices.splice(0)) {
      await vbox.run(
        [
          'storageattach',
          request.vmName,
          '--storagectl',
          slot.controller,
          '--port',
          String(slot.port),
          '--device',
          String(slot.device),
          '--medium',
          'none',
        ],
        ctx.signal,
      );
    }
    if (request.sshForward)
      await vbox.run(['modifyvm', request.vmName, '--natpf1', 'delete', PORT_FORWARD_RULE], ctx.signal);
  }

  async export(ctx: RunContext): Promise<ExportResult> {
    const { vbox, request, settings } = this.s;
    await runCustomCommands(this.s, 'vboxmanage_post', ctx);
    const dir = request.outputDir;
    if (!settings.skipExport) {
      const output = path.join(dir, `${request.vmName}.${settings.format}`);
      ctx.ui.say(`Exporting the virtual machine to ${output}...`);
      // The manifest lets `VBoxManage import` and boxwright check the files.
      const manifest = settings.exportOpts.includes('--manifest') ? [] : ['--manifest'];
      await vbox.run(
        [
          'export',
          request.vmName,
          '--output',
          output,
          ...manifest,
          ...settings.exportOpts.map((a) => ctx.render(a, { Name: request.vmName })),
        ],
        ctx.signal,
      );
      if (!existsSync(output)) throw new Error(`VBoxManage export reported success but wrote no ${output}`);
    }
    this.s.exported = true;
    // The working VDI goes with the machine at unregistervm --delete; what stays is the export.
    const files = readdirSync(dir)
      .filter((f) => !f.endsWith('.vdi') || settings.skipExport || settings.keepRegistered)
      .sort()
      .map((f) => path.join(dir, f));
    return { files, accelerator: undefined };
  }
}
