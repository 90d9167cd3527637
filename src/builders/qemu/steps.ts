import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { formatElapsed } from '../../base/duration.js';
import { messageOf, sleep, UserError } from '../../base/errors.js';
import type { BuildContext, RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { chooseAccelerator } from '../../machines/qemu/accelerator.js';
import { parseBootCommand, type BootAction } from '../../machines/qemu/boot-command.js';
import { RunningMachine } from '../../machines/qemu/machine.js';
import { makeFloppy } from '../../formats/floppy.js';
import { obtain } from '../../util/download.js';
import { startHttpServer } from '../../util/http-server.js';
import { reservePort } from '../../util/ports.js';
import { hasMedia, stageMedia } from '../../util/stage-files.js';
import type { QemuConfig, VncConfig } from './config.js';
import type { QemuState } from './state.js';

/** qemu-img, with its stderr in the error when it fails. */
async function qemuImg(args: string[], signal: AbortSignal): Promise<void> {
  const result = await execa('qemu-img', args, { cancelSignal: signal, reject: false });
  if (result.failed) throw new Error(`qemu-img ${args[0]} failed (exit code ${result.exitCode ?? result.signal}): ${String(result.stderr).trim().split('\n').slice(-3).join(' ')}`);
}

/** The output directory: refused if it exists (unless -force); removed again unless the build finished. */
export function stepOutputDir(config: Pick<QemuConfig, 'outputDirectory'>, build: BuildContext): Step<QemuState> {
  return {
    name: 'output-directory',
    async run(state) {
      const dir = path.resolve(config.outputDirectory);
      if (existsSync(dir) && readdirSync(dir).length > 0) {
        if (!build.force) throw new UserError(`output directory ${config.outputDirectory} already exists`, 'remove it, choose another "output_directory", or build with -force');
        build.ui.say(`Deleting the previous output directory ${config.outputDirectory} (-force)`);
        await rm(dir, { recursive: true, force: true });
      }
      await mkdir(dir, { recursive: true });
      state.outputDir = dir;
    },
    async cleanup(state) {
      // A failed or cancelled build leaves no half-written output that looks finished.
      if (state.outputDir && !state.finished) await rm(state.outputDir, { recursive: true, force: true });
    },
    leftover: (state) => (state.outputDir && !state.finished ? `the unfinished output directory ${state.outputDir}` : undefined),
  };
}

export function stepSource(config: Pick<QemuConfig, 'isoUrls' | 'isoChecksum'>): Step<QemuState> {
  return {
    name: 'source-image',
    async run(state, ctx) {
      state.source = await obtain(config.isoUrls, config.isoChecksum, { ui: ctx.ui, signal: ctx.signal });
    },
  };
}

export function stepDisk(config: QemuConfig): Step<QemuState> {
  return {
    name: 'create-disk',
    async run(state, ctx) {
      // The working disk is always qcow2; the requested format is made when converting at the end.
      const disk = path.join(state.outputDir!, `${config.vmName}.work.qcow2`);
      if (config.diskImage && config.useBackingFile) {
        ctx.ui.say(`Creating a disk backed by ${state.source}`);
        await qemuImg(['create', '-f', 'qcow2', '-b', state.source!, '-F', await imageFormat(state.source!, ctx.signal), disk], ctx.signal);
      } else if (config.diskImage) {
        ctx.ui.say(`Copying the disk image ${state.source}`);
        await qemuImg(['convert', '-O', 'qcow2', state.source!, disk], ctx.signal);
      } else {
        ctx.ui.say(`Creating a ${formatBytes(config.diskSizeBytes!)} disk`);
        await qemuImg(['create', '-f', 'qcow2', disk, String(config.diskSizeBytes)], ctx.signal);
      }
      if (config.diskImage && config.diskSizeBytes !== undefined) {
        const size = await virtualSize(disk, ctx.signal);
        if (config.diskSizeBytes > size) await qemuImg(['resize', disk, String(config.diskSizeBytes)], ctx.signal);
      }
      state.disk = disk;
    },
  };
}

async function imageFormat(file: string, signal: AbortSignal): Promise<string> {
  const { stdout } = await execa('qemu-img', ['info', '--output=json', file], { cancelSignal: signal });
  return (JSON.parse(stdout) as { format: string }).format;
}

async function virtualSize(file: string, signal: AbortSignal): Promise<number> {
  const { stdout } = await execa('qemu-img', ['info', '--output=json', file], { cancelSignal: signal });
  return (JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'];
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

/** Makes an ISO of cd_files and cd_content (e.g. a cloud-init "cidata" seed) with xorriso. */
export function stepCdFiles(config: Pick<QemuConfig, 'cdFiles' | 'cdContent' | 'cdLabel'>): Step<QemuState> {
  return {
    name: 'cd-files',
    async run(state, ctx) {
      const media = { files: config.cdFiles, dirs: [], content: config.cdContent };
      if (!hasMedia(media)) return;
      state.cdDir = await mkdtemp(path.join(tmpdir(), 'boxwright-cd-'));
      const stage = path.join(state.cdDir, 'root');
      await stageMedia(stage, media, 'cd');
      state.cdIso = path.join(state.cdDir, 'cd.iso');
      ctx.ui.say(`Creating a CD with ${config.cdLabel ? `label "${config.cdLabel}"` : 'no label'} from cd_files/cd_content...`);
      const result = await execa('xorriso', ['-as', 'mkisofs', '-quiet', '-J', '-R', ...(config.cdLabel ? ['-V', config.cdLabel] : []), '-o', state.cdIso, stage], { cancelSignal: ctx.signal, reject: false });
      if (result.failed) throw new Error(`xorriso could not make the CD (${String(result.stderr).trim().split('\n').pop() ?? result.shortMessage}); install the xorriso package`);
    },
    async cleanup(state) {
      if (state.cdDir) await rm(state.cdDir, { recursive: true, force: true });
      state.cdDir = undefined;
    },
    leftover: (state) => (state.cdDir ? `the CD staging folder ${state.cdDir}` : undefined),
  };
}

/** Makes a 1.44 MB FAT floppy of floppy_files, floppy_dirs and floppy_content (Windows answer files, kickstarts). */
export function stepFloppy(config: Pick<QemuConfig, 'floppy'>): Step<QemuState> {
  return {
    name: 'floppy',
    async run(state, ctx) {
      if (!hasMedia(config.floppy)) return;
      state.floppyDir = await mkdtemp(path.join(tmpdir(), 'boxwright-floppy-'));
      const stage = path.join(state.floppyDir, 'root');
      await stageMedia(stage, config.floppy, 'floppy');
      ctx.ui.say(`Creating a floppy with label "${config.floppy.label}" from floppy_files/floppy_dirs/floppy_content...`);
      const image = path.join(state.floppyDir, 'floppy.img');
      await makeFloppy(stage, image, config.floppy.label, ctx.signal);
      state.floppy = image;
    },
    async cleanup(state) {
      if (state.floppyDir) await rm(state.floppyDir, { recursive: true, force: true });
      state.floppyDir = undefined;
    },
    leftover: (state) => (state.floppyDir ? `the floppy staging folder ${state.floppyDir}` : undefined),
  };
}

/**
 * UEFI keeps its boot entries in a variable store: each build writes its own copy, kept
 * next to the disk as efivars.fd (Packer's name) unless efi_drop_efivars.
 */
export function stepEfiVars(config: Pick<QemuConfig, 'firmware' | 'efiDropVars'>): Step<QemuState> {
  return {
    name: 'efi-vars',
    async run(state, ctx) {
      if (config.firmware.kind !== 'efi') return;
      const dir = config.efiDropVars ? (state.efiDir = await mkdtemp(path.join(tmpdir(), 'boxwright-efi-'))) : state.outputDir!;
      state.efiVars = path.join(dir, 'efivars.fd');
      await copyFile(config.firmware.varsTemplate, state.efiVars);
      ctx.ui.say(`Booting UEFI: ${config.firmware.code}, variables from ${config.firmware.varsTemplate}`);
    },
    async cleanup(state) {
      if (state.efiDir) await rm(state.efiDir, { recursive: true, force: true });
      state.efiDir = undefined;
    },
    leftover: (state) => (state.efiDir ? `the UEFI variables folder ${state.efiDir}` : undefined),
  };
}

export function stepHttp(config: Pick<QemuConfig, 'httpDirectory' | 'httpContent' | 'httpBindAddress' | 'httpPortRange'>): Step<QemuState> {
  return {
    name: 'http-server',
    async run(state, ctx) {
      if (!config.httpDirectory && !config.httpContent) return;
      state.http = await startHttpServer({ directory: config.httpDirectory, content: config.httpContent, bind: config.httpBindAddress, portMin: config.httpPortRange[0], portMax: config.httpPortRange[1] });
      ctx.ui.say(`Serving ${config.httpDirectory ?? 'http_content'} on http://${config.httpBindAddress}:${state.http.port} (the guest sees it at 10.0.2.2:${state.http.port})`);
      // Packer gives provisioners the address as the guest sees it.
      state.generated = { ...state.generated, PACKER_HTTP_ADDR: `10.0.2.2:${state.http.port}`, PACKER_HTTP_IP: '10.0.2.2', PACKER_HTTP_PORT: String(state.http.port) };
    },
    async cleanup(state, ctx) {
      if (!state.http) return;
      if (state.http.requests.length) ctx.log(`http server: ${state.http.requests.join(', ')}`);
      await state.http.close();
      state.http = undefined;
    },
    leftover: (state) => (state.http ? `the HTTP server on port ${state.http.port}` : undefined),
  };
}

export function stepPort(config: Pick<QemuConfig, 'communicator' | 'hostPortRange' | 'vnc'>): Step<QemuState> {
  return {
    name: 'host-ports',
    async run(state) {
      if (config.communicator === 'ssh') {
        const r = await reservePort(config.hostPortRange[0], config.hostPortRange[1]);
        state.sshPort = r.port;
        state.releasePorts.push(r.release);
      }
      if (config.vnc) {
        const r = await reservePort(config.vnc.portRange[0], config.vnc.portRange[1], config.vnc.bindAddress);
        state.vncPort = r.port;
        state.releasePorts.push(r.release);
      }
    },
    async cleanup(state) {
      for (const release of state.releasePorts.splice(0)) release();
    },
  };
}

/**
 * Tells the user where the VNC console is. A password is random, set through QMP, and
 * written to a file only the user can read: it never appears in the build's output.
 */
async function announceVnc(vnc: VncConfig, port: number, state: QemuState, ctx: RunContext): Promise<void> {
  const where = `vnc://${vnc.bindAddress}:${port} (display :${port - 5900})`;
  if (!vnc.usePassword) return void ctx.ui.say(`The console is on VNC at ${where}`);
  const password = randomBytes(6).toString('base64url').slice(0, 8);
  await state.machine!.setVncPassword(password);
  const file = path.join(state.workDir!, 'vnc-password');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  ctx.ui.say(`The console is on VNC at ${where}; the password is in ${file} while the build runs`);
}

export function stepRun(config: QemuConfig): Step<QemuState> {
  return {
    name: 'start-qemu',
    async run(state, ctx) {
      const choice = await chooseAccelerator(config.accelerator);
      ctx.ui.say(`Accelerator: ${choice.accelerator} (${choice.reason})`);
      state.accelerator = choice.accelerator;
      state.workDir = await mkdtemp(path.join(tmpdir(), 'boxwright-qemu-'));
      ctx.ui.say('Starting the virtual machine...');
      state.machine = await RunningMachine.start(
        {
          accelerator: choice.accelerator,
          machineType: config.machineType,
          memoryMb: config.memoryMb,
          cpus: config.cpus,
          disks: [{ file: state.disk!, format: 'qcow2' }],
          diskInterface: config.diskInterface,
          cdroms: [...(config.diskImage ? [] : [state.source!]), ...(state.cdIso ? [state.cdIso] : [])],
          floppy: state.floppy,
          firmware: config.firmware,
          efiVars: state.efiVars,
          bootFromCdrom: !config.diskImage,
          netDevice: config.netDevice,
          sshForward: state.sshPort ? { hostPort: state.sshPort, guestPort: config.ssh?.port ?? 22 } : undefined,
          workDir: state.workDir,
          vnc: state.vncPort !== undefined ? { bindAddress: config.vnc!.bindAddress, display: state.vncPort - 5900, password: config.vnc!.usePassword } : undefined,
          extraArgs: config.qemuArgs,
        },
        ctx.signal,
        ctx.log,
      );
      ctx.log(`qemu: pid ${state.machine.pid}, serial log ${state.machine.serialLog}`);
      if (config.vnc && state.vncPort !== undefined) await announceVnc(config.vnc, state.vncPort, state, ctx);
    },
    async cleanup(state, ctx) {
      if (state.machine?.running) {
        ctx.ui.say('Stopping the virtual machine...');
        await state.machine.kill();
      }
      state.machine?.qmp.close();
      state.machine = undefined;
      if (state.workDir) await rm(state.workDir, { recursive: true, force: true });
      state.workDir = undefined;
    },
    leftover: (state) => (state.machine?.running ? `QEMU process ${state.machine.pid}` : state.workDir ? `the temporary directory ${state.workDir}` : undefined),
  };
}

/**
 * Waits boot_wait, then returns the boot command's keys with {{ .HTTPIP }}, {{ .HTTPPort }}
 * and {{ .Name }} filled in (undefined when there is nothing to type). Both the QEMU
 * engine and VirtualBox's keyboardputscancode type what this returns.
 */
export async function bootCommandKeys(config: Pick<QemuConfig, 'bootWaitMs' | 'bootCommand' | 'vmName'>, state: QemuState, ctx: RunContext): Promise<BootAction[] | undefined> {
  if (config.bootWaitMs > 0) {
    ctx.ui.say(`Waiting ${formatElapsed(config.bootWaitMs)} for boot...`);
    await sleep(config.bootWaitMs, ctx.signal);
  }
  if (!config.bootCommand) return undefined;
  const text = ctx.render(config.bootCommand, { HTTPIP: '10.0.2.2', HTTPPort: String(state.http?.port ?? ''), Name: config.vmName });
  ctx.ui.say('Typing the boot command...');
  ctx.log(`boot command: ${text}`);
  return parseBootCommand(text);
}

export function stepBootCommand(config: QemuConfig): Step<QemuState> {
  return {
    name: 'boot-command',
    async run(state, ctx) {
      const keys = await bootCommandKeys(config, state, ctx);
      if (keys) await state.machine!.type(keys, config.bootKeyIntervalMs, ctx.signal);
    },
  };
}

/** Stops the guest: shutdown_command over SSH, then ACPI power-down, then kill; each step said. */
export function stepShutdown(config: QemuConfig): Step<QemuState> {
  return {
    name: 'shutdown',
    async run(state, ctx) {
      const machine = state.machine!;
      const third = Math.max(1000, Math.floor(config.shutdownTimeoutMs / 2));
      if (config.shutdownCommand && state.communicator && state.communicator.type !== 'none') {
        ctx.ui.say('Sending the shutdown command...');
        // The connection usually drops as the guest goes down; that is expected.
        await state.communicator.exec(config.shutdownCommand, { signal: ctx.signal, onStdout: (l) => ctx.ui.message(l), onStderr: (l) => ctx.ui.message(l) }).catch((err) => ctx.log(`shutdown command: ${messageOf(err)}`));
        if (await machine.waitForExit(config.shutdownTimeoutMs, ctx.signal)) return void ctx.ui.say('The guest powered off.');
        ctx.ui.error(`The guest did not power off within shutdown_timeout (${formatElapsed(config.shutdownTimeoutMs)}); trying ACPI power-down.`);
      } else {
        ctx.ui.say('Powering off the guest (ACPI)...');
      }
      await machine.powerdown();
      if (await machine.waitForExit(third, ctx.signal)) return void ctx.ui.say('The guest powered off.');
      ctx.ui.error('The guest ignored the ACPI power-down; stopping QEMU. The disk may need a file system check.');
      await machine.kill();
    },
  };
}

/** Writes the final disk in the requested format (compacted), as OUTPUT/VM_NAME. */
export function stepConvert(config: QemuConfig): Step<QemuState> {
  return {
    name: 'convert-disk',
    async run(state, ctx) {
      const final = path.join(state.outputDir!, config.vmName);
      const partial = `${final}.partial`;
      if (config.format === 'qcow2' && config.skipCompaction && !config.diskCompression) {
        await rename(state.disk!, final);
      } else {
        ctx.ui.say(`Converting the disk to ${config.format}${config.diskCompression ? ' (compressed)' : ''}...`);
        await qemuImg(['convert', '-O', config.format, ...(config.diskCompression && config.format === 'qcow2' ? ['-c'] : []), state.disk!, partial], ctx.signal);
        await rename(partial, final);
        await rm(state.disk!, { force: true });
      }
      state.disk = final;
      state.finished = true;
    },
  };
}
