import { randomBytes } from 'node:crypto';
import { readFile, copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VncConfig } from './vnc.js';
import type { RunContext } from '../../core/plugin.js';
import { reservePort } from '../../util/ports.js';
import { qemuImg } from '../../util/qemu-img.js';
import type { BootAction } from '../boot-command.js';
import {
  workingDiskPath,
  type DefinedMachine,
  type DefineRequest,
  type ExportResult,
  type MachineDriver,
  type RunningVm,
  type FrozenLayer,
  type SavedMachineState,
  type StoppedVm,
} from '../driver.js';
import { CancelledError, messageOf } from '../../base/errors.js';
import { chooseAccelerator, type Accelerator, type AcceleratorSetting } from './accelerator.js';
import type { Firmware } from './firmware.js';
import {
  canCompressStates,
  machineSignature,
  qemuVersion,
  RunningMachine,
  type DriveOptions,
  type MachineSpec,
} from './machine.js';
import { hostCores } from './core-budget.js';
import type { HardwareProfile } from './profiles.js';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';

/** The hardware QEMU presents: a family's profile and the machine's size. */
export interface QemuHardware extends HardwareProfile {
  memoryMb: number;
  cpus: number;
}

/** A machine file the build starts from (an OVF, a VMX), opened: what it describes and its disk. */
export interface OpenedMachine<M> {
  machine: M;
  /** The disk to copy (or to back an overlay on). */
  disk: string;
  /** A temporary folder made while opening it (an unpacked OVA), removed with the machine. */
  temporary?: string;
}

/** How the working disk is made from the source. */
export type DiskPlan<M> =
  /** An empty disk for an installer ISO. */
  | { kind: 'blank'; bytes: number }
  /** A copy of a disk image (or a qcow2 overlay on it), grown to `growTo` bytes when larger. */
  | { kind: 'image'; backingFile: boolean; growTo: number | undefined }
  /** The disk of a machine file the family knows how to open; the hardware comes from what it describes. */
  | { kind: 'machine'; open(source: string, ctx: RunContext): Promise<OpenedMachine<M>>; backingFile: boolean };

/** What an exporter is given: the stopped machine's disk and what is known of the machine. */
export interface ExportInput<M> {
  disk: string;
  outputDir: string;
  vmName: string;
  hardware: QemuHardware;
  /** The machine the build started from, when it started from a machine file. */
  source: M | undefined;
  firmware: Firmware;
  /** The build's UEFI variable store, with UEFI firmware. */
  efiVars: string | undefined;
  accelerator: Accelerator;
  /** `disk` is the top of a chain of checkpoint layers: the artifact must be written whole, never renamed. */
  layered: boolean;
}

/** Turns the working disk into a family's artifact (qcow2/raw, OVF/OVA, a VMX folder). */
export interface Exporter<M> {
  export(input: ExportInput<M>, ctx: RunContext): Promise<ExportResult>;
}

/** A family's settings for the QEMU engine; `M` is what the family's source machine file describes. */
export interface QemuDriverOptions<M = never> {
  accelerator: AcceleratorSetting;
  /** The hardware, or how to derive it from the source machine. */
  hardware: (source: M | undefined) => QemuHardware;
  disk: DiskPlan<M>;
  firmware: Firmware;
  /** Keep efivars.fd in the output (else a temporary copy is used and dropped). */
  keepEfiVars: boolean;
  vnc: VncConfig | undefined;
  /** Packer's qemuargs. */
  extraArgs: string[][];
  /** Packer's qemu_binary and disk_* write options (qemu builder only). */
  binary?: string;
  drive?: DriveOptions;
  exporter: Exporter<M>;
}

/** The QEMU engine as a driver of any family: KVM where it works, else TCG, on the family's hardware profile. */
export class QemuDriver<M = never> implements MachineDriver {
  readonly name = 'qemu';
  readonly forwardsPorts = true;
  constructor(private readonly options: QemuDriverOptions<M>) {}

  diskLayers(): { supported: true } | { supported: false; why: string } {
    const plan = this.options.disk;
    if (plan.kind !== 'blank' && plan.backingFile)
      return { supported: false, why: 'the output disk is an overlay on its source (use_backing_file)' };
    return { supported: true };
  }

  async define(request: DefineRequest, ctx: RunContext): Promise<DefinedMachine> {
    const made: string[] = [];
    try {
      let source: M | undefined;
      let diskSource = request.source;
      const plan = this.options.disk;
      if (plan.kind === 'machine') {
        const opened = await plan.open(request.source, ctx);
        if (opened.temporary) made.push(opened.temporary);
        source = opened.machine;
        diskSource = opened.disk;
      }
      const disk = request.layers?.first ?? workingDiskPath(request.outputDir, request.vmName);
      const resumeFrom = request.layers?.resumeFrom;
      if (resumeFrom) await qemuImg.create(disk, { backing: resumeFrom, backingFormat: 'qcow2' }, ctx.signal);
      else await makeWorkingDisk(plan, diskSource, disk, ctx);
      let efiVars: string | undefined;
      const firmware = this.options.firmware;
      if (firmware.kind === 'efi') {
        const dir = this.options.keepEfiVars ? request.outputDir : await makeTempDir('efi');
        if (!this.options.keepEfiVars) made.push(dir);
        efiVars = path.join(dir, 'efivars.fd');
        // A checkpoint's disk boots with the boot entries its variable store had then.
        const vars = request.layers?.resumeFirmwareVars;
        await copyFile(vars ?? firmware.varsTemplate, efiVars);
        ctx.ui.say(
          `Booting UEFI: ${firmware.code}, variables from ${vars ? "the checkpoint's copy" : firmware.varsTemplate}`,
        );
      }
      return new QemuDefined(this.options, request, {
        disk,
        source,
        hardware: this.options.hardware(source),
        efiVars,
        temporary: made,
        layered: Boolean(request.layers),
      });
    } catch (err) {
      for (const dir of made) await removeTempDir(dir);
      throw err;
    }
  }
}

async function makeWorkingDisk<M>(plan: DiskPlan<M>, source: string, disk: string, ctx: RunContext): Promise<void> {
  // The working disk is always qcow2; the exporter makes the artifact's format.
  if (plan.kind === 'blank') {
    ctx.ui.say(`Creating a ${formatBytes(plan.bytes)} disk`);
    return qemuImg.create(disk, { bytes: plan.bytes }, ctx.signal);
  }
  if (plan.backingFile) {
    ctx.ui.say(`Creating a disk backed by ${source}`);
    await qemuImg.create(
      disk,
      { backing: source, backingFormat: (await qemuImg.info(source, ctx.signal)).format },
      ctx.signal,
    );
  } else {
    ctx.ui.say(`Copying the disk image ${source}`);
    await qemuImg.convert(source, disk, { format: 'qcow2' }, ctx.signal);
  }
  if (
    plan.kind === 'image' &&
    plan.growTo !== undefined &&
    plan.growTo > (await qemuImg.info(disk, ctx.signal)).virtualSize
  )
    await qemuImg.resize(disk, plan.growTo, ctx.signal);
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

interface Made<M> {
  disk: string;
  source: M | undefined;
  hardware: QemuHardware;
  efiVars: string | undefined;
  /** Temporary folders (an unpacked OVA, a dropped variable store) removed with the machine. */
  temporary: string[];
  /** The disk is a chain of layers (checkpoints): the export must flatten it. */
  layered: boolean;
}

class QemuDefined<M> implements DefinedMachine {
  constructor(
    private readonly options: QemuDriverOptions<M>,
    private readonly request: DefineRequest,
    private readonly made: Made<M>,
  ) {}

  get leftover(): string {
    return this.made.temporary.length
      ? `temporary files of the machine in ${this.made.temporary.join(', ')}`
      : `the working disk ${this.made.disk}`;
  }

  async start(ctx: RunContext): Promise<RunningVm> {
    const { options, request, made } = this;
    const choice = await chooseAccelerator(options.accelerator, options.binary);
    ctx.ui.say(`Accelerator: ${choice.accelerator} (${choice.reason})`);
    const workDir = await makeTempDir('qemu');
    const vncPort = options.vnc
      ? await reservePort(options.vnc.portRange[0], options.vnc.portRange[1], options.vnc.bindAddress)
      : undefined;
    const release = async () => {
      vncPort?.release();
      await removeTempDir(workDir);
    };
    let releaseCores: (() => void) | undefined;
    try {
      const hw = made.hardware;
      releaseCores = await hostCores.take(hw.cpus, ctx.signal, (busy) =>
        ctx.ui.say(
          `Waiting for the host's cores: ${busy} of ${hostCores.total} run other machines of this run, and this one has ${hw.cpus} CPU(s)`,
        ),
      );
      const spec: MachineSpec = {
        accelerator: choice.accelerator,
        machineType: hw.machineType,
        memoryMb: hw.memoryMb,
        cpus: hw.cpus,
        disks: [{ file: made.disk, format: 'qcow2' }],
        diskInterface: hw.diskInterface,
        cdroms: [
          ...(request.media.installer || request.media.keepInstaller ? [request.source] : []),
          ...request.media.cds,
        ],
        floppy: request.media.floppy,
        firmware: options.firmware,
        efiVars: made.efiVars,
        bootFromCdrom: request.media.installer,
        netDevice: hw.netDevice,
        sshForward: request.sshForward,
        workDir,
        vnc:
          vncPort && options.vnc
            ? {
                bindAddress: options.vnc.bindAddress,
                display: vncPort.port - 5900,
                password: options.vnc.usePassword,
              }
            : undefined,
        // qemuargs may name the machine ({{ .Name }}), as in Packer.
        extraArgs: options.extraArgs.map((args) => args.map((a) => ctx.render(a, { Name: request.vmName }))),
        binary: options.binary,
        drive: options.drive,
      };
      const signatureOf = async (of: MachineSpec) => machineSignature(of, await qemuVersion(of.binary));
      // Booting a checkpoint's disk never goes through the installer again.
      const bootSpec = request.media.keepInstaller ? { ...spec, cdroms: spec.cdroms.slice(1) } : spec;
      const { machine, continued, launched } = await launch(
        { continuing: spec, booting: bootSpec },
        signatureOf,
        request.layers?.resumeState,
        ctx,
      );
      const signature = await signatureOf(launched);
      ctx.log(`qemu: pid ${machine.pid}, serial log ${machine.serialLog}`);
      void machine.exited.then(releaseCores);
      const running = new QemuRunning(
        machine,
        { ...made, accelerator: choice.accelerator },
        options,
        request,
        release,
        { signature, continued },
      );
      if (options.vnc && vncPort) await running.announceVnc(options.vnc, vncPort.port, workDir, ctx);
      return running;
    } catch (err) {
      releaseCores?.();
      await release();
      throw err;
    }
  }

  async unstarted(): Promise<StoppedVm> {
    // The artifact records the accelerator a libvirt box should ask for: this host's choice.
    const { accelerator } = await chooseAccelerator(this.options.accelerator, this.options.binary);
    return stoppedVm(this.options, this.request, { ...this.made, accelerator });
  }

  async destroy(): Promise<void> {
    for (const dir of this.made.temporary) await removeTempDir(dir);
    // The working disk goes with an unfinished output directory, or was consumed by the export.
  }
}

/**
 * Starts QEMU: from a saved state when there is one this machine can load (it continues
 * where it was saved, paused until `cont`), else booting its disk.
 */
async function launch(
  specs: { continuing: MachineSpec; booting: MachineSpec },
  signatureOf: (spec: MachineSpec) => Promise<string>,
  state: SavedMachineState | undefined,
  ctx: RunContext,
): Promise<{ machine: RunningMachine; continued: boolean; launched: MachineSpec }> {
  const boot = async () => {
    ctx.ui.say('Starting the virtual machine...');
    const machine = await RunningMachine.start(specs.booting, ctx.signal, ctx.log);
    return { machine, continued: false, launched: specs.booting };
  };
  if (!state) return boot();
  const spec = specs.continuing;
  // A QEMU that cannot say its version fails to start below, with the error that says why.
  if (state.signature !== (await signatureOf(spec).catch(() => undefined))) {
    ctx.ui.say(
      "The checkpoint's running machine was saved by another QEMU or with other hardware; booting the checkpoint's disk instead",
    );
    return boot();
  }
  ctx.ui.say('Continuing the machine saved with the checkpoint (its memory too: no boot)...');
  const machine = await RunningMachine.start({ ...spec, incoming: true }, ctx.signal, ctx.log);
  try {
    await machine.loadState(state.file, ctx.secretValues(), ctx.signal);
    await machine.resume();
    return { machine, continued: true, launched: spec };
  } catch (err) {
    await machine.kill();
    if (ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
    ctx.ui.error(`Could not load the checkpoint's running machine (${messageOf(err)}); booting its disk instead`);
    return boot();
  }
}

class QemuRunning<M> implements RunningVm {
  constructor(
    private readonly machine: RunningMachine,
    private readonly made: Made<M> & { accelerator: Accelerator },
    private readonly options: QemuDriverOptions<M>,
    private readonly request: DefineRequest,
    private readonly release: () => Promise<void>,
    private readonly saving: { signature: string; continued: boolean },
  ) {}

  get continued(): boolean {
    return this.saving.continued;
  }

  get leftover(): string {
    return this.machine.running ? `QEMU process ${this.machine.pid}` : 'the QEMU working folder';
  }

  /**
   * Tells the user where the VNC console is. A password is random, set through QMP, and
   * written to a file only the user can read: it never appears in the build's output.
   */
  async announceVnc(vnc: VncConfig, port: number, workDir: string, ctx: RunContext): Promise<void> {
    const where = `vnc://${vnc.bindAddress}:${port} (display :${port - 5900})`;
    if (!vnc.usePassword) return void ctx.ui.say(`The console is on VNC at ${where}`);
    const password = randomBytes(6).toString('base64url').slice(0, 8);
    await this.machine.setVncPassword(password);
    const file = path.join(workDir, 'vnc-password');
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    ctx.ui.say(`The console is on VNC at ${where}; the password is in ${file} while the build runs`);
  }

  type(keys: BootAction[], intervalMs: number, ctx: RunContext): Promise<void> {
    return this.machine.type(keys, intervalMs, ctx.signal);
  }

  async waitForPowerOff(ms: number, ctx: RunContext): Promise<StoppedVm | undefined> {
    return (await this.machine.waitForExit(ms, ctx.signal)) ? this.stopped() : undefined;
  }

  /** ACPI power-down first, so that a guest that listens stops cleanly; QEMU is stopped after a grace period. */
  async halt(ctx: RunContext): Promise<StoppedVm> {
    await this.machine.powerdown();
    if (!(await this.machine.waitForExit(HALT_GRACE_MS, ctx.signal))) {
      ctx.ui.error('The guest ignored the ACPI power-down; stopping QEMU. The disk may need a file system check.');
      await this.machine.kill();
    }
    return this.stopped();
  }

  async forceOff(ctx: RunContext): Promise<void> {
    if (this.machine.running) {
      ctx.ui.say('Stopping the virtual machine...');
      await this.machine.kill();
    }
    this.machine.qmp.close();
    await this.release();
  }

  /** QEMU's user networking forwards the SSH port; the guest's own address is not reachable. */
  async guestAddress(): Promise<string | undefined> {
    return undefined;
  }

  /**
   * QEMU's blockdev-snapshot-sync: the current layer is flushed and reopened read-only, and
   * `next`, a new qcow2 backed by it, takes the writes from now on. With `keep.stateFile`, or
   * a UEFI variable store to copy to `keep.firmwareVars`, the CPUs are paused around it, so
   * the saved state and the copy are of the moment of the freeze.
   */
  async freezeDisk(
    next: string,
    ctx: RunContext,
    keep: { stateFile?: string; firmwareVars: string },
  ): Promise<FrozenLayer> {
    const blocks = await this.machine.qmp.execute<{ device: string; inserted?: { file: string } }[]>('query-block');
    const device = blocks.find((b) => b.inserted?.file === this.made.disk)?.device;
    if (!device) throw new Error(`QEMU has no drive with the file ${this.made.disk}`);
    const save = keep.stateFile && (await canCompressStates()) ? keep.stateFile : undefined;
    if (keep.stateFile && !save)
      ctx.log('qemu: no running machine kept with the checkpoint: zstd is not installed (apt install zstd)');
    const vars = this.made.efiVars;
    // Paused, the disk, the variable store and the memory are all of one moment.
    const paused = Boolean(save || vars);
    if (paused) await this.machine.pause();
    try {
      await this.machine.qmp.execute('blockdev-snapshot-sync', { device, 'snapshot-file': next, format: 'qcow2' });
      this.made.disk = next;
      if (vars) await copyFile(vars, keep.firmwareVars);
      const firmwareVars = vars ? keep.firmwareVars : undefined;
      if (!save) return { firmwareVars };
      const started = Date.now();
      try {
        await this.machine.saveState(save, ctx.secretValues(), ctx.signal);
      } catch (err) {
        if (ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
        ctx.log(`qemu: could not save the running machine: ${messageOf(err)}`);
        return { firmwareVars };
      }
      ctx.log(`qemu: saved the running machine in ${Date.now() - started} ms`);
      return { state: { file: save, signature: this.saving.signature }, firmwareVars };
    } finally {
      if (paused && this.machine.running) await this.machine.resume();
    }
  }

  async consoleTail(): Promise<string | undefined> {
    const text = await readFile(this.machine.serialLog, 'utf8').catch(() => '');
    const lines = text
      .replace(/\r/g, '')
      .split('\n')
      .filter((l) => l.trim());
    return lines.length ? lines.slice(-10).join('\n') : undefined;
  }

  private stopped(): StoppedVm {
    return stoppedVm(this.options, this.request, this.made);
  }
}

/** A machine whose disk is final: nothing to detach under QEMU, and the family's exporter writes the artifact. */
function stoppedVm<M>(
  options: QemuDriverOptions<M>,
  request: DefineRequest,
  made: Made<M> & { accelerator: Accelerator },
): StoppedVm {
  return {
    firmwareVars: made.efiVars,
    // QEMU's media belong to the process that has ended; nothing stays attached.
    detachBuildMedia: async () => {},
    export: (ctx) =>
      options.exporter.export(
        {
          disk: made.disk,
          outputDir: request.outputDir,
          vmName: request.vmName,
          hardware: made.hardware,
          source: made.source,
          firmware: options.firmware,
          efiVars: made.efiVars,
          accelerator: made.accelerator,
          layered: made.layered,
        },
        ctx,
      ),
  };
}

/** How long a halted guest gets to act on the ACPI power-down before QEMU is stopped. */
const HALT_GRACE_MS = 60_000;
