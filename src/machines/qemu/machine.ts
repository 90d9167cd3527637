import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import path from 'node:path';
import { CancelledError, sleep } from '../../base/errors.js';
import { setLongTimeout, type LongTimer } from '../../base/timers.js';
import type { Accelerator } from './accelerator.js';
import type { BootAction } from '../boot-command.js';
import { firmwareArguments, type Firmware } from './firmware.js';
import { QmpClient } from './qmp.js';
import { runMark } from '../../util/run-mark.js';
import { runHostTool } from '../../util/host-tool.js';
import { readMachineState, writeMachineState } from './machine-state.js';

export type DiskInterface = 'virtio' | 'ide' | 'sata' | 'scsi' | 'virtio-scsi' | 'pvscsi' | 'lsi' | 'nvme';

export interface DiskSpec {
  file: string;
  format: 'qcow2' | 'raw' | 'vmdk';
  /** Writes go to a throwaway overlay (for read-only or streamOptimized sources). */
  snapshot?: boolean;
}

/** How QEMU treats the disks' writes: Packer's disk_cache, disk_discard and disk_detect_zeroes. */
export interface DriveOptions {
  cache: string;
  discard: string;
  detectZeroes: string;
}

export const DEFAULT_DRIVE_OPTIONS: DriveOptions = { cache: 'writeback', discard: 'unmap', detectZeroes: 'off' };

/** Everything QEMU needs to start one machine. */
export interface MachineSpec {
  accelerator: Accelerator;
  machineType: string;
  memoryMb: number;
  cpus: number;
  disks: DiskSpec[];
  diskInterface: DiskInterface;
  /** CD-ROM images: an installer ISO and/or a cd_files ISO (IDE, after the disks). */
  cdroms: string[];
  firmware: Firmware;
  /** The build's writable copy of the UEFI variable store (with `firmware.kind` efi). */
  efiVars?: string;
  /** A raw 1.44 MB floppy image for drive A:. */
  floppy?: string;
  /** Boot the first CD-ROM once (an installer). */
  bootFromCdrom: boolean;
  netDevice: string;
  /** Host port on 127.0.0.1 forwarded to the guest's SSH port. */
  sshForward?: { hostPort: number; guestPort: number };
  /** Where the QMP socket and the serial log go. */
  workDir: string;
  /** A VNC console on port 5900 + display; with `password` it refuses clients until one is set. */
  vnc?: { bindAddress: string; display: number; password: boolean };
  /** Packer's qemuargs: extra argument lists, appended as given. */
  extraArgs: string[][];
  /** Packer's qemu_binary; qemu-system-x86_64 by default. */
  binary?: string;
  drive?: DriveOptions;
  /** Start paused, waiting for a saved machine state (`RunningMachine.loadState`) instead of booting. */
  incoming?: boolean;
}

/** The QEMU that runs a machine unless qemu_binary names another. */
export const QEMU_BINARY = 'qemu-system-x86_64';

/** The QEMU command line for a spec; separate so the arguments can be checked without QEMU. */
export function qemuArguments(spec: MachineSpec): string[] {
  const args = [
    // The run's mark, so that `boxwright cleanup` can tell this QEMU as ours after a SIGKILL.
    '-name',
    runMark(),
    '-machine',
    spec.machineType,
    ...(spec.accelerator === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi']),
    ...firmwareArguments(spec.firmware, spec.efiVars),
    '-m',
    String(spec.memoryMb),
    '-smp',
    String(spec.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    // A VGA console: installers draw on it and boot_command types into it.
    '-vga',
    'std',
    ...(spec.vnc
      ? [
          '-vnc',
          `${spec.vnc.bindAddress.includes(':') ? `[${spec.vnc.bindAddress}]` : spec.vnc.bindAddress}:${spec.vnc.display}${spec.vnc.password ? ',password=on' : ''}`,
        ]
      : []),
    '-qmp',
    `unix:${path.join(spec.workDir, 'qmp.sock')},server=on,wait=off`,
    '-serial',
    `file:${path.join(spec.workDir, 'serial.log')}`,
  ];
  const controller: Partial<Record<DiskInterface, string[]>> = {
    sata: ['-device', 'ahci,id=ahci0'],
    scsi: ['-device', 'virtio-scsi-pci,id=scsi0'],
    'virtio-scsi': ['-device', 'virtio-scsi-pci,id=scsi0'],
    pvscsi: ['-device', 'pvscsi,id=scsi0'],
    lsi: ['-device', 'lsi53c895a,id=scsi0'],
  };
  args.push(...(controller[spec.diskInterface] ?? []));
  spec.disks.forEach((disk, i) => {
    const d = spec.drive ?? DEFAULT_DRIVE_OPTIONS;
    const zeroes = d.detectZeroes === 'off' ? '' : `,detect-zeroes=${d.detectZeroes}`;
    const drive = `file=${disk.file},format=${disk.format},cache=${d.cache},discard=${d.discard}${zeroes}${disk.snapshot ? ',snapshot=on' : ''}`;
    switch (spec.diskInterface) {
      case 'virtio':
      case 'ide':
        args.push('-drive', `${drive},if=${spec.diskInterface}`);
        break;
      case 'sata':
        args.push('-drive', `${drive},if=none,id=disk${i}`, '-device', `ide-hd,drive=disk${i},bus=ahci0.${i}`);
        break;
      case 'nvme':
        args.push('-drive', `${drive},if=none,id=disk${i}`, '-device', `nvme,serial=boxwright${i},drive=disk${i}`);
        break;
      default:
        args.push(
          '-drive',
          `${drive},if=none,id=disk${i}`,
          '-device',
          `scsi-hd,bus=scsi0.0,scsi-id=${i},drive=disk${i}`,
        );
    }
  });
  if (spec.floppy) {
    // The PC machine has a floppy controller built in; q35 has none, so it gets an ISA one.
    if (spec.machineType.startsWith('q35'))
      args.push(
        '-drive',
        `file=${spec.floppy},format=raw,if=none,id=floppy0`,
        '-device',
        'isa-fdc',
        '-device',
        'floppy,unit=0,drive=floppy0',
      );
    else args.push('-drive', `file=${spec.floppy},format=raw,if=floppy,index=0`);
  }
  spec.cdroms.forEach((iso, i) => args.push('-drive', `file=${iso},media=cdrom,readonly=on,if=ide,index=${2 + i}`));
  const forward = spec.sshForward
    ? `,hostfwd=tcp:127.0.0.1:${spec.sshForward.hostPort}-:${spec.sshForward.guestPort}`
    : '';
  args.push('-netdev', `user,id=net0${forward}`, '-device', `${spec.netDevice},netdev=net0`);
  // An installer ISO comes first and boots once; a seed ISO alone does not change the boot order.
  args.push('-boot', spec.bootFromCdrom ? 'once=d' : 'c');
  for (const extra of spec.extraArgs) args.push(...extra);
  if (spec.incoming) args.push('-incoming', 'defer');
  return args;
}

/**
 * What a saved machine state depends on: QEMU's version, the accelerator and the devices,
 * but not where the files, sockets and forwarded ports are, which differ from run to run.
 * A state loads only into a machine with the same signature.
 */
export function machineSignature(spec: MachineSpec, qemuVersion: string): string {
  const placeless: MachineSpec = {
    ...spec,
    disks: spec.disks.map((d, i) => ({ ...d, file: `disk${i}` })),
    cdroms: spec.cdroms.map((_, i) => `cd${i}`),
    floppy: spec.floppy && 'floppy',
    efiVars: spec.efiVars && 'efivars',
    sshForward: spec.sshForward && { hostPort: 0, guestPort: spec.sshForward.guestPort },
    workDir: 'work',
    vnc: undefined,
    incoming: false,
    // The boot order the machine started with is behind it: a continued machine keeps the
    // one in its saved CMOS, and it boots its disk from then on.
    bootFromCdrom: false,
  };
  const args = qemuArguments(placeless);
  args.splice(args.indexOf('-name'), 2);
  return createHash('sha256')
    .update(JSON.stringify([qemuVersion, spec.binary ?? QEMU_BINARY, args]))
    .digest('hex');
}

const versions = new Map<string, Promise<string>>();
let zstd: Promise<boolean> | undefined;

/** Whether zstd, which compresses saved machine states, is installed. */
export function canCompressStates(): Promise<boolean> {
  zstd ??= runHostTool('zstd', ['--version'], { timeoutMs: 15_000 }).then(
    () => true,
    () => false,
  );
  return zstd;
}

/** The first line of `qemu-system-x86_64 --version`, asked once per binary. */
export function qemuVersion(binary = QEMU_BINARY): Promise<string> {
  let version = versions.get(binary);
  if (!version) {
    version = runHostTool(binary, ['--version'], { timeoutMs: 15_000 }).then((out) => out.split('\n')[0]!.trim());
    versions.set(binary, version);
  }
  return version;
}

/** A started QEMU. It becomes unusable once `exited` resolves; nothing can be typed into a stopped machine. */
export class RunningMachine {
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly qmp: QmpClient,
    readonly serialLog: string,
    private readonly stderr: () => string,
    private readonly workDir: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
    });
    void this.exited.then((code) => (this.exitCode = code));
  }

  /** Starts QEMU and connects to its QMP socket. */
  static async start(spec: MachineSpec, signal: AbortSignal, log: (line: string) => void): Promise<RunningMachine> {
    const args = qemuArguments(spec);
    const binary = spec.binary ?? QEMU_BINARY;
    log(`qemu: ${binary} ${args.join(' ')}`);
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (spawned)
      throw new Error(
        `could not start ${binary}: ${spawned.message} (install the qemu-system-x86 package, or check qemu_binary)`,
      );
    try {
      const qmp = await Promise.race([
        QmpClient.connect(path.join(spec.workDir, 'qmp.sock'), signal),
        new Promise<never>((_, reject) =>
          child.once('exit', (code) =>
            reject(
              new Error(`QEMU exited with code ${code} at start: ${stderr.trim().split('\n').slice(-3).join(' ')}`),
            ),
          ),
        ),
      ]);
      return new RunningMachine(child, qmp, path.join(spec.workDir, 'serial.log'), () => stderr, spec.workDir);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines QEMU printed on stderr, for error messages. */
  get lastError(): string {
    return this.stderr().trim().split('\n').slice(-3).join(' ');
  }

  /** Types key events through QMP, `intervalMs` apart. */
  async type(actions: BootAction[], intervalMs: number, signal: AbortSignal): Promise<void> {
    for (const action of actions) {
      if (signal.aborted) throw new CancelledError('Build was cancelled.');
      if (!this.running) throw new Error(`QEMU exited while typing the boot command: ${this.lastError}`);
      if (action.kind === 'wait') {
        await sleep(action.ms, signal);
        continue;
      }
      await this.qmp.execute('input-send-event', {
        events: [{ type: 'key', data: { down: action.kind === 'down', key: { type: 'qcode', data: action.key } } }],
      });
      await sleep(intervalMs, signal);
    }
  }

  /** Waits up to `ms` for QEMU to exit; true if it did. */
  async waitForExit(ms: number, signal: AbortSignal): Promise<boolean> {
    if (!this.running) return true;
    let timer: LongTimer | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setLongTimeout(() => resolve(false), ms)));
    const cancelled = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new CancelledError('Build was cancelled.')), { once: true }),
    );
    try {
      return await Promise.race([this.exited.then(() => true), timedOut, cancelled]);
    } finally {
      timer?.clear();
    }
  }

  /** Sets the VNC password (VNC uses only its first 8 characters). */
  async setVncPassword(password: string): Promise<void> {
    await this.qmp.execute('set_password', { protocol: 'vnc', password });
  }

  /** Asks the guest to power off (ACPI). */
  async powerdown(): Promise<void> {
    if (this.running) await this.qmp.execute('system_powerdown').catch(() => undefined);
  }

  /**
   * Saves the paused machine's memory and devices to `file` (see machine-state.ts): QEMU
   * migrates to a unix socket boxwright listens on. QEMU's default bandwidth cap
   * (128 MiB/s) is meant for live migration over a network, not for a local file.
   */
  async saveState(file: string, secrets: readonly string[], signal: AbortSignal): Promise<void> {
    const socketPath = path.join(this.workDir, 'state-out.sock');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    try {
      const written = new Promise<void>((resolve, reject) =>
        server.once('connection', (conn) => writeMachineState(conn, file, secrets, signal).then(resolve, reject)),
      );
      await this.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 64 * 1024 ** 3 });
      await this.qmp.execute('migrate', { uri: `unix:${socketPath}` });
      await Promise.all([this.migration(signal), written]);
    } finally {
      server.close();
      await rm(socketPath, { force: true });
    }
  }

  /** Loads a state `saveState` wrote into a machine started with `incoming`; it is then paused. */
  async loadState(file: string, secrets: readonly string[], signal: AbortSignal): Promise<void> {
    const socketPath = path.join(this.workDir, 'state-in.sock');
    // QEMU listens once migrate-incoming returns.
    await this.qmp.execute('migrate-incoming', { uri: `unix:${socketPath}` });
    const conn = await new Promise<Socket>((resolve, reject) => {
      const c = connect(socketPath);
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    try {
      await Promise.all([this.migration(signal), readMachineState(file, secrets, conn, signal)]);
    } finally {
      conn.destroy();
    }
  }

  /** Pauses the virtual CPUs. */
  async pause(): Promise<void> {
    await this.qmp.execute('stop');
  }

  /** Lets the virtual CPUs run again (after a pause, a save or a load). */
  async resume(): Promise<void> {
    await this.qmp.execute('cont');
  }

  /** Waits for the migration under way to complete; its error when it fails. */
  private async migration(signal: AbortSignal): Promise<void> {
    for (;;) {
      if (!this.running) throw new Error(`QEMU exited: ${this.lastError}`);
      const info = await this.qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (info.status === 'completed') return;
      if (info.status === 'failed' || info.status === 'cancelled')
        throw new Error(info['error-desc'] ?? (this.lastError || `the migration ${info.status}`));
      await sleep(50, signal);
    }
  }

  /** Stops QEMU at once and waits until it is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
