import { HostToolError, runHostTool } from '../../util/host-tool.js';

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
    try {
      return await runHostTool(this.binary, args, {
        signal,
        log: (line) => this.log(line.replace(/^exec: /, 'vboxmanage: ')),
      });
    } catch (err) {
      if (!(err instanceof HostToolError)) throw err;
      const errors = err.stderr
        .split('\n')
        .filter((l) => /error:/i.test(l))
        .map((l) => l.replace(/^VBoxManage(\.exe)?: error: /, ''));
      throw new VBoxManageError(args, errors.length ? errors.slice(0, 3).join(' ') : err.lastLines || err.outcome);
    }
  }

  /** VirtualBox's version ("7.0.12"), or undefined when VBoxManage does not run here. */
  async version(): Promise<string | undefined> {
    let stdout: string;
    try {
      stdout = await runHostTool(this.binary, ['--version'], { timeoutMs: 15_000 });
    } catch {
      return undefined;
    }
    // "7.0.12r159484", sometimes after kernel-module warnings on earlier lines.
    const m = /(\d+\.\d+\.\d+)(?:_\w+)?r\d+\s*$/.exec(stdout.trim());
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
    const unquote = (s: string) =>
      s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(["\\])/g, '$1') : s;
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
    .map((f) => ({
      name: f.get('Name')!,
      ipAddress: f.get('IPAddress') ?? '',
      networkMask: f.get('NetworkMask') ?? '',
      status: f.get('Status') ?? '',
      dhcp: f.get('DHCP') === 'Enabled',
    }));
}
