import { execa } from 'execa';

/** A VBoxManage command that failed, with VirtualBox's own words. */
export class VBoxManageError extends Error {
  constructor(
    readonly args: string[],
    readonly detail: string,
  ) {
    super(`VBoxManage ${args.join(' ')} failed: ${detail}`);
  }
}

/**
 * VBoxManage through execa. Every call is logged; a failure carries the last lines of
 * VirtualBox's stderr (its "VBoxManage: error: ..." lines), which say what went wrong.
 */
export class VBoxManage {
  constructor(
    private readonly log: (line: string) => void,
    readonly binary = process.env.BOXWRIGHT_VBOXMANAGE ?? 'VBoxManage',
  ) {}

  async run(args: string[], signal?: AbortSignal): Promise<string> {
    this.log(`vboxmanage: ${this.binary} ${args.join(' ')}`);
    const result = await execa(this.binary, args, { cancelSignal: signal, reject: false, stdin: 'ignore' });
    if (result.isCanceled) throw new VBoxManageError(args, 'cancelled');
    if (result.failed) {
      const errors = String(result.stderr).split('\n').filter((l) => /error:/i.test(l)).map((l) => l.replace(/^VBoxManage(\.exe)?: error: /, ''));
      const detail = errors.length ? errors.slice(0, 3).join(' ') : String(result.stderr).trim().split('\n').slice(-3).join(' ') || (result.shortMessage ?? 'no output');
      throw new VBoxManageError(args, detail);
    }
    return String(result.stdout);
  }

  /** VirtualBox's version ("7.0.12"), or undefined when VBoxManage does not run here. */
  async version(): Promise<string | undefined> {
    const result = await execa(this.binary, ['--version'], { reject: false, stdin: 'ignore', timeout: 15_000 });
    if (result.failed) return undefined;
    // "7.0.12r159484", sometimes after kernel-module warnings on earlier lines.
    const m = /(\d+\.\d+\.\d+)(?:_\w+)?r\d+\s*$/.exec(String(result.stdout).trim());
    return m?.[1];
  }
}

/**
 * Reads `VBoxManage showvminfo --machinereadable` (and other key=value listings):
 * `key="quoted value"`, `key=bare`, and `"quoted key"="value"` for storage slots.
 */
export function parseMachineReadable(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^("(?:[^"\\]|\\.)*"|[^=]+)=(.*)$/.exec(raw);
    if (!m) continue;
    const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(["\\])/g, '$1') : s);
    values.set(unquote(m[1]!.trim()), unquote(m[2]!.trim()));
  }
  return values;
}

export interface HostOnlyInterface {
  name: string;
  ipAddress: string;
  networkMask: string;
  status: string;
  dhcp: boolean;
}

/** Reads `VBoxManage list hostonlyifs`: blocks of "Key:   value" lines separated by blank lines. */
export function parseHostOnlyInterfaces(text: string): HostOnlyInterface[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split(/\r?\n/)) {
        const m = /^([A-Za-z][A-Za-z0-9 ]*?):\s*(.*)$/.exec(line.trim());
        if (m) fields.set(m[1]!, m[2]!.trim());
      }
      return fields;
    })
    .filter((f) => f.has('Name'))
    .map((f) => ({ name: f.get('Name')!, ipAddress: f.get('IPAddress') ?? '', networkMask: f.get('NetworkMask') ?? '', status: f.get('Status') ?? '', dhcp: f.get('DHCP') === 'Enabled' }));
}
