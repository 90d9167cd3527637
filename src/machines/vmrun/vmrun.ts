import { runHostTool } from '../../util/host-tool.js';

/** vmrun and vmware-vdiskmanager through execa; every call is logged. */
export class VmwareTools {
  /** vmrun's host type: Workstation on Linux and Windows, Fusion on macOS. */
  readonly hostType = process.platform === 'darwin' ? 'fusion' : 'ws';

  constructor(
    private readonly log: (line: string) => void,
    readonly vmrunBinary = process.env.BOXWRIGHT_VMRUN ?? 'vmrun',
    readonly vdiskmanagerBinary = process.env.BOXWRIGHT_VDISKMANAGER ?? 'vmware-vdiskmanager',
  ) {}

  vmrun(args: string[], signal?: AbortSignal): Promise<string> {
    return runHostTool(this.vmrunBinary, ['-T', this.hostType, ...args], { signal, log: this.log });
  }

  vdiskmanager(args: string[], signal?: AbortSignal): Promise<string> {
    return runHostTool(this.vdiskmanagerBinary, args, { signal, log: this.log });
  }

  /** Whether vmrun runs here (`vmrun list` answers). */
  async available(): Promise<boolean> {
    try {
      await this.vmrun(['list']);
      return true;
    } catch {
      return false;
    }
  }

  /** The .vmx paths of the running machines (`vmrun list`). */
  async running(signal?: AbortSignal): Promise<string[]> {
    return (await this.vmrun(['list'], signal))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^Total running VMs:/i.test(l));
  }
}
