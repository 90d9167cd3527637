import { execa } from 'execa';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markedPid, ownerOfName, processIsAlive } from './run-mark.js';

/** Something a run that is over left behind, and how to remove it. */
export interface Leftover {
  /** The pid of the run whose mark it carries. */
  owner: number;
  /** What it is, in the user's words: "temporary directory /tmp/boxwright-pid42-qemu-Ab12Cd". */
  what: string;
  remove(): Promise<void>;
}

/** Which runs' leftovers to look for, by the pid in their mark. */
export type OwnerFilter = (pid: number) => boolean;

/** boxwright's temporary directories (boxwright-pidN-KIND-XXXXXX) of the runs `owners` accepts. */
export async function leftoverDirectories(owners: OwnerFilter, dir = tmpdir()): Promise<Leftover[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.flatMap((name) => {
    const owner = ownerOfName(name);
    if (owner === undefined || !owners(owner)) return [];
    const full = path.join(dir, name);
    return [{ owner, what: `temporary directory ${full}`, remove: () => rm(full, { recursive: true, force: true }) }];
  });
}

interface ProcessEntry {
  pid: number;
  pgid: number;
  args: string;
}

/** Every process of the machine with its process group and command line. */
async function listProcesses(): Promise<ProcessEntry[]> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((e) => /^\d+$/.test(e));
  } catch {
    // No /proc (macOS): ps prints the same three facts.
    const { stdout } = await execa('ps', ['-axww', '-o', 'pid=,pgid=,args=']);
    return stdout.split('\n').flatMap((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
      return m ? [{ pid: Number(m[1]), pgid: Number(m[2]), args: m[3]! }] : [];
    });
  }
  const entries = await Promise.all(
    pids.map(async (pid) => {
      try {
        const [cmdline, stat] = await Promise.all([
          readFile(`/proc/${pid}/cmdline`, 'utf8'),
          readFile(`/proc/${pid}/stat`, 'utf8'),
        ]);
        // After the command's name in parentheses: state, parent, process group.
        const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
        return cmdline ? [{ pid: Number(pid), pgid, args: cmdline.replace(/\0+$/, '').split('\0').join(' ') }] : [];
      } catch {
        return []; // It ended while we looked.
      }
    }),
  );
  return entries.flat();
}

/**
 * Processes whose command line carries the mark of a run `owners` accepts: QEMU (its -name and
 * its socket paths), and the shells of shell-local scripts in a marked directory. A process
 * that leads its own group is stopped with its group, so a script's children go with it.
 */
export async function leftoverProcesses(owners: OwnerFilter): Promise<Leftover[]> {
  const marked = (await listProcesses()).flatMap((p) => {
    const owner = markedPid(p.args);
    return owner !== undefined && p.pid !== process.pid && owners(owner) ? [{ ...p, owner }] : [];
  });
  const leaders = new Set(marked.filter((p) => p.pgid === p.pid).map((p) => p.pid));
  return marked
    .filter((p) => p.pgid === p.pid || !leaders.has(p.pgid))
    .map((p) => {
      const group = p.pgid === p.pid;
      const command = shortCommand(p.args);
      return {
        owner: p.owner,
        what: `process ${p.pid}${group ? ' and its process group' : ''}: ${command}`,
        remove: () => stopProcess(p.pid, group),
      };
    });
}

/** A long command line as its program and the argument with the mark, which tell the user what it is. */
function shortCommand(args: string): string {
  if (args.length <= 120) return args;
  const words = args.split(' ');
  const marked = words.find((w) => markedPid(w) !== undefined) ?? '';
  return `${words[0]} ... ${marked.length > 100 ? `...${marked.slice(-97)}` : marked} ...`;
}

/** SIGTERM, then SIGKILL if it is still there after a few seconds. */
async function stopProcess(pid: number, group: boolean): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(group ? -pid : pid, sig);
    } catch {
      // Already gone.
    }
  };
  const gone = async (ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 50)))
      if (!processIsAlive(pid)) return true;
    return !processIsAlive(pid);
  };
  signal('SIGTERM');
  if (await gone(3000)) return;
  signal('SIGKILL');
  if (!(await gone(3000))) throw new Error(`process ${pid} is still running after SIGKILL`);
}
