import path from 'node:path';
import type { RunContext } from '../core/plugin.js';
import type { BootAction } from './boot-command.js';

/**
 * The driver interface of the local-VM pipeline. A machine goes Defined → Running →
 * Stopped, and each stage is its own type: a stopped machine cannot be typed into, a
 * running one cannot be exported. Implementations: the QEMU engine (any family, through a
 * hardware profile and an exporter) and VBoxManage.
 */
export interface MachineDriver {
  /** "qemu", "vboxmanage", …, for `Driver: NAME (why)`. */
  readonly name: string;
  /** True when the driver forwards a host port on 127.0.0.1 to the guest's SSH port; false when SSH goes to the guest's own address. */
  readonly forwardsPorts: boolean;
  /** Whether the machine's disk can be a chain of layers, frozen while it runs (checkpoints), and if not, why. */
  diskLayers?(): { supported: true } | { supported: false; why: string };
  define(request: DefineRequest, ctx: RunContext): Promise<DefinedMachine>;
}

/** What every driver is given to define a machine; the family's own settings went into the driver when it was made. */
export interface DefineRequest {
  vmName: string;
  /** The build's output directory; the machine's working disk lives there until export. */
  outputDir: string;
  /** The downloaded source: an installer ISO, a disk image or an appliance, as the family's driver expects. */
  source: string;
  /** Media attached for the build only, detached before export. */
  media: BuildMedia;
  /** A port on 127.0.0.1 forwarded to the guest's SSH port; undefined when nothing is forwarded. */
  sshForward: { hostPort: number; guestPort: number } | undefined;
  /** With a driver that layers disks: where the working disk goes, and the kept layer it starts from. */
  layers?: DiskLayers;
}

export interface DiskLayers {
  /** The file the machine writes to first (a layer in the checkpoint store, or the usual working disk). */
  first: string;
  /** A checkpoint's layer: `first` is an overlay on it, and the machine boots from its disk. */
  resumeFrom?: string;
  /** The running machine saved with that layer: when the driver can load it, the machine continues instead of booting. */
  resumeState?: SavedMachineState;
  /** The UEFI variable store kept with that layer: the machine starts with a copy of it. */
  resumeFirmwareVars?: string;
}

/** What freezing a disk's layer kept besides the layer. */
export interface FrozenLayer {
  /** The running machine, when it was asked for and could be saved. */
  state?: SavedMachineState;
  /** A copy of the UEFI variable store, when the machine has one. */
  firmwareVars?: string;
}

/** A running machine's memory and devices, saved when its disk's layer was frozen. */
export interface SavedMachineState {
  file: string;
  /** What the state can be loaded into (the hypervisor's version, its devices); see `machineSignature`. */
  signature: string;
}

export interface BuildMedia {
  /** The source is an installer ISO, booted once. */
  installer: boolean;
  /**
   * The installer ISO is in its drive but not booted: the machine continues a state saved
   * while it was there (see `DiskLayers.resumeState`), which needs the same devices. When
   * that state cannot be loaded, the machine boots its disk without it.
   */
  keepInstaller?: boolean;
  /** CD images (cd_files, guest tools), after the installer. */
  cds: string[];
  /** A 1.44 MB floppy image for drive A:. */
  floppy: string | undefined;
}

/** The working disk in the output directory, until the export turns it into the artifact. */
export function workingDiskPath(outputDir: string, vmName: string): string {
  return path.join(outputDir, `${vmName}.work.qcow2`);
}

/** A machine the hypervisor knows, not running. */
export interface DefinedMachine {
  /** What stays behind if destroy does not run, for -on-error=abort. */
  readonly leftover: string;
  start(ctx: RunContext): Promise<RunningVm>;
  /**
   * The machine as it is, never started, for a disk that is already what the export wants
   * (an earlier build's finished checkpoint). Only drivers that layer disks have it.
   */
  unstarted?(ctx: RunContext): Promise<StoppedVm>;
  /** Removes the machine and what it made, except an export that completed. */
  destroy(ctx: RunContext): Promise<void>;
}

/** A running machine: keys can be typed, and it can be stopped. */
export interface RunningVm {
  readonly leftover: string;
  /** Types boot_command's keys, `intervalMs` apart. */
  type(keys: BootAction[], intervalMs: number, ctx: RunContext): Promise<void>;
  /** Waits up to `ms` for the guest to power off by itself; the stopped machine, or undefined at the timeout. */
  waitForPowerOff(ms: number, ctx: RunContext): Promise<StoppedVm | undefined>;
  /** Stops the machine now, without a shutdown command (Packer's halt). */
  halt(ctx: RunContext): Promise<StoppedVm>;
  /** Forces the machine off in cleanup (a failed or cancelled build); no-op once stopped. */
  forceOff(ctx: RunContext): Promise<void>;
  /** The last lines of the guest's console, where the driver can read it, for errors. */
  consoleTail(): Promise<string | undefined>;
  /** The guest's own address, for drivers that do not forward ports; waits until the guest has one. */
  guestAddress(ctx: RunContext): Promise<string | undefined>;
  /**
   * With a driver that layers disks: makes the disk's current layer read-only and sends the
   * machine's writes to a new layer, `next`, on top of it. The guest should have synced first.
   * With `keep.stateFile`, the machine's memory and devices at that moment are saved there
   * too, when the driver can (else no state, and why in the log); a UEFI machine's variable
   * store is copied to `keep.firmwareVars`.
   */
  freezeDisk?(next: string, ctx: RunContext, keep: { stateFile?: string; firmwareVars: string }): Promise<FrozenLayer>;
  /** True when the machine continues a saved state (`DiskLayers.resumeState`) rather than having booted. */
  readonly continued?: boolean;
}

/** A stopped machine: its disk is consistent and can be exported. */
export interface StoppedVm {
  /** A UEFI machine's variable store, as the machine left it. */
  readonly firmwareVars?: string;
  /** Detaches the installer, CDs, floppy and SSH forward, so that the export carries none of them. */
  detachBuildMedia(ctx: RunContext): Promise<void>;
  /** Writes the family's artifact into the output directory. */
  export(ctx: RunContext): Promise<ExportResult>;
}

export interface ExportResult {
  /** The files of the artifact, in the output directory. */
  files: string[];
  /** The QEMU accelerator the machine ran under; undefined under a native hypervisor. */
  accelerator: string | undefined;
}

/** One way a family can run: a driver, or why it cannot run here. */
export interface DriverCandidate {
  readonly name: string;
  /**
   * The driver and why it was chosen, or why it cannot run here. `pinned` says the template
   * named this driver; `skipped` holds why earlier candidates were passed over.
   */
  probe(how: {
    pinned: boolean;
    skipped: string[];
  }): Promise<{ driver: MachineDriver; reason: string } | { skipped: string; refusal: string; hint: string }>;
}
