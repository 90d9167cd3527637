import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, sleep, UserError } from '../../base/errors.js';
import type { RunContext } from '../../core/plugin.js';
import { encodeVmx, machineFromVmx, parseVmx, vmxFor, type VmxMachine } from '../../formats/vmx.js';
import { exportAppliance, vmwareApplianceSpec } from '../export-appliance.js';
import { reservePort } from '../../util/ports.js';
import type { BootAction } from '../boot-command.js';
import type { DefinedMachine, DefineRequest, ExportResult, MachineDriver, RunningVm, StoppedVm } from '../driver.js';
import { toVncKeys } from '../vnc/keysyms.js';
import { RfbKeyboard } from '../vnc/rfb-client.js';
import type { VmwareTools } from './vmrun.js';
import { partialNameFor } from '../../util/temp-name.js';

/** What VMware itself is given: how the machine is made, the .vmx additions, and the export. */
export interface VmrunSettings {
  creation:
    | {
        kind: 'create';
        machine: Omit<VmxMachine, 'name' | 'diskFile'>;
        diskSizeBytes: number;
        diskType: number;
        vmdkName: string;
      }
    | { kind: 'clone'; linked: boolean; snapshot: string | undefined };
  vmxData: Record<string, string>;
  vmxDataPost: Record<string, string>;
  removeEthernet: boolean;
  headless: boolean;
  skipCompaction: boolean;
  /** vmx, or also VMware's flavour of OVF (or an OVA) beside the VM folder. */
  format: 'vmx' | 'ovf' | 'ova';
  vnc: { bindAddress: string; portRange: [number, number] };
}

/** vmware-vdiskmanager's adapter names; Packer gives it lsilogic for the adapters it does not name. */
const VDISK_ADAPTER: Record<VmxMachine['adapter'], string> = {
  ide: 'ide',
  buslogic: 'buslogic',
  lsilogic: 'lsilogic',
  lsisas1068: 'lsilogic',
  pvscsi: 'lsilogic',
  sata: 'lsilogic',
  nvme: 'lsilogic',
};

/** Runtime files VMware leaves in a VM folder, which belong to one run on one host. */
const RUNTIME = /\.(log|lck|vmem|vmss|scoreboard)$/i;

/** Keys added to the .vmx for the build only: the installer, CDs, floppy and the VNC console boot_command is typed into. */
const BUILD_KEY = /^(ide1:[01]\.|floppy0\.|remotedisplay\.vnc\.)/;

interface Session {
  tools: VmwareTools;
  settings: VmrunSettings;
  request: DefineRequest;
  vmx: string;
  vncPort: { port: number; release(): void };
}

/** VMware Workstation/Player/Fusion through vmrun and vmware-vdiskmanager (Packer's vmware builders' steps, as a driver). */
export class VmrunDriver implements MachineDriver {
  readonly name = 'vmrun';
  readonly forwardsPorts = false;
  constructor(
    private readonly tools: VmwareTools,
    private readonly settings: VmrunSettings,
  ) {}

  async define(request: DefineRequest, ctx: RunContext): Promise<DefinedMachine> {
    const { tools, settings } = this;
    const vmx = path.join(request.outputDir, `${request.vmName}.vmx`);
    const vncPort = await reservePort(settings.vnc.portRange[0], settings.vnc.portRange[1], settings.vnc.bindAddress);
    const s: Session = { tools, settings, request, vmx, vncPort };
    try {
      let values: Map<string, string>;
      const creation = settings.creation;
      if (creation.kind === 'create') {
        const disk = `${creation.vmdkName}.vmdk`;
        ctx.ui.say('Creating the virtual disk...');
        await tools.vdiskmanager(
          [
            '-c',
            '-s',
            `${Math.ceil(creation.diskSizeBytes / 1024 ** 2)}MB`,
            '-a',
            VDISK_ADAPTER[creation.machine.adapter],
            '-t',
            String(creation.diskType),
            path.join(request.outputDir, disk),
          ],
          ctx.signal,
        );
        values = vmxFor(
          { ...creation.machine, name: request.vmName, diskFile: disk },
          { vmxData: settings.vmxData, removeEthernet: settings.removeEthernet },
        );
      } else {
        ctx.ui.say(`Cloning ${request.source} (${creation.linked ? 'linked' : 'full'} clone)...`);
        await tools.vmrun(
          [
            'clone',
            request.source,
            vmx,
            creation.linked ? 'linked' : 'full',
            ...(creation.snapshot ? [`-snapshot=${creation.snapshot}`] : []),
            `-cloneName=${request.vmName}`,
          ],
          ctx.signal,
        );
        values = parseVmx(await readFile(vmx, 'utf8'));
        values.set('displayname', request.vmName);
        for (const [key, value] of Object.entries(settings.vmxData)) values.set(key.toLowerCase(), value);
        if (settings.removeEthernet)
          for (const key of [...values.keys()]) if (key.startsWith('ethernet')) values.delete(key);
      }
      addBuildDevices(values, request, settings, vncPort.port);
      ctx.ui.say(`Writing ${path.basename(vmx)}`);
      await writeVmx(vmx, values);
      return new VmrunDefined(s);
    } catch (err) {
      vncPort.release();
      throw err;
    }
  }
}

function addBuildDevices(
  values: Map<string, string>,
  request: DefineRequest,
  settings: VmrunSettings,
  vncPort: number,
): void {
  const cds = [...(request.media.installer ? [request.source] : []), ...request.media.cds].slice(0, 2);
  cds.forEach((iso, i) => {
    values.set(`ide1:${i}.present`, 'TRUE');
    values.set(`ide1:${i}.filename`, iso);
    values.set(`ide1:${i}.devicetype`, 'cdrom-image');
  });
  if (request.media.floppy) {
    values.set('floppy0.present', 'TRUE');
    values.set('floppy0.filetype', 'file');
    values.set('floppy0.filename', request.media.floppy);
  }
  // boot_command is typed into VMware's own VNC server, on loopback, as Packer does.
  values.set('remotedisplay.vnc.enabled', 'TRUE');
  values.set('remotedisplay.vnc.port', String(vncPort));
  values.set('remotedisplay.vnc.ip', settings.vnc.bindAddress);
}

async function writeVmx(file: string, values: Map<string, string>): Promise<void> {
  const partial = partialNameFor(file);
  await writeFile(partial, encodeVmx(values));
  await rename(partial, file);
}

class VmrunDefined implements DefinedMachine {
  constructor(private readonly s: Session) {}

  get leftover(): string {
    return `the VMware machine ${this.s.vmx}`;
  }

  async start(ctx: RunContext): Promise<RunningVm> {
    ctx.ui.say(`Starting the virtual machine${this.s.settings.headless ? ' (headless)' : ''}...`);
    const running = new VmrunRunning(this.s);
    try {
      await this.s.tools.vmrun(['start', this.s.vmx, this.s.settings.headless ? 'nogui' : 'gui'], ctx.signal);
    } catch (err) {
      // Interrupted or failed half-way, VMware may have started the machine all the same.
      await running.forceOff({ ...ctx, signal: new AbortController().signal });
      throw err;
    }
    return running;
  }

  /** The machine's files are in the output directory, which goes unless the export completed. */
  async destroy(): Promise<void> {
    this.s.vncPort.release();
  }
}

class VmrunRunning implements RunningVm {
  constructor(private readonly s: Session) {}

  get leftover(): string {
    return `the running VMware machine ${this.s.vmx} (vmrun stop ${this.s.vmx} hard)`;
  }

  async type(keys: BootAction[], intervalMs: number, ctx: RunContext): Promise<void> {
    const keyboard = await RfbKeyboard.connect(this.s.settings.vnc.bindAddress, this.s.vncPort.port, ctx.signal);
    try {
      await keyboard.type(toVncKeys(keys), intervalMs, ctx.signal);
    } finally {
      keyboard.close();
    }
  }

  private async isRunning(signal?: AbortSignal): Promise<boolean> {
    const listed = await this.s.tools.running(signal);
    return listed.some((vmx) => path.resolve(vmx) === path.resolve(this.s.vmx));
  }

  async waitForPowerOff(ms: number, ctx: RunContext): Promise<StoppedVm | undefined> {
    const deadline = Date.now() + ms;
    while (await this.isRunning(ctx.signal)) {
      if (Date.now() > deadline) return undefined;
      await sleep(1000, ctx.signal);
    }
    return new VmrunStopped(this.s);
  }

  async halt(ctx: RunContext): Promise<StoppedVm> {
    await this.s.tools.vmrun(['stop', this.s.vmx, 'hard'], ctx.signal);
    return new VmrunStopped(this.s);
  }

  async forceOff(ctx: RunContext): Promise<void> {
    const running = await this.isRunning().catch(() => true);
    if (!running) return;
    ctx.ui.say('Stopping the virtual machine...');
    await this.s.tools.vmrun(['stop', this.s.vmx, 'hard']).catch((err) => ctx.log(`vmrun stop: ${messageOf(err)}`));
  }

  async consoleTail(): Promise<string | undefined> {
    return undefined;
  }

  /** vmrun getGuestIPAddress, once VMware Tools (or open-vm-tools) in the guest reports one. */
  async guestAddress(ctx: RunContext): Promise<string | undefined> {
    ctx.ui.say("Waiting for the guest's IP address...");
    const address = (await this.s.tools.vmrun(['getGuestIPAddress', this.s.vmx, '-wait'], ctx.signal)).trim();
    if (!/^[0-9a-f.:]+$/i.test(address))
      throw new UserError(
        `vmrun getGuestIPAddress answered "${address}", not an address`,
        'install open-vm-tools in the guest, or set ssh_host',
      );
    return address;
  }
}

class VmrunStopped implements StoppedVm {
  constructor(private readonly s: Session) {}

  /** Takes the installer, CDs, floppy and VNC console out of the .vmx, then applies vmx_data_post. */
  async detachBuildMedia(): Promise<void> {
    const values = parseVmx(await readFile(this.s.vmx, 'utf8'));
    for (const key of [...values.keys()]) if (BUILD_KEY.test(key)) values.delete(key);
    values.set('floppy0.present', 'FALSE');
    for (const [key, value] of Object.entries(this.s.settings.vmxDataPost)) values.set(key.toLowerCase(), value);
    await writeVmx(this.s.vmx, values);
  }

  async export(ctx: RunContext): Promise<ExportResult> {
    const { tools, settings, request } = this.s;
    const dir = request.outputDir;
    const values = parseVmx(await readFile(this.s.vmx, 'utf8'));
    const disks = [...values]
      .filter(([k, v]) => /^(scsi|sata|nvme|ide)\d+:\d+\.filename$/.test(k) && v.toLowerCase().endsWith('.vmdk'))
      .map(([, v]) => path.resolve(dir, v));
    if (!settings.skipCompaction) {
      for (const disk of disks.filter((d) => path.dirname(d) === dir)) {
        ctx.ui.say(`Compacting ${path.basename(disk)}...`);
        await tools.vdiskmanager(['-d', disk], ctx.signal);
        await tools.vdiskmanager(['-k', disk], ctx.signal);
      }
    }
    if (settings.format !== 'vmx') {
      const m = machineFromVmx(values);
      ctx.ui.say(`Exporting ${settings.format.toUpperCase()} with boxwright's OVF and streamOptimized VMDK writers...`);
      await exportAppliance(
        path.resolve(dir, m.diskFile),
        dir,
        vmwareApplianceSpec(request.vmName, m, settings.format),
        ctx.signal,
      );
    }
    this.s.vncPort.release();
    const files = (await readdir(dir))
      .filter((f) => !RUNTIME.test(f))
      .sort()
      .map((f) => path.join(dir, f));
    return { files, accelerator: undefined };
  }
}
