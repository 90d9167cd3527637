import { execa } from 'execa';
import { CancelledError } from '../base/errors.js';
import { readLines } from './lines.js';
import { RecentLines } from './recent-lines.js';

/** Process groups started by this process, killed at once if boxwright must exit hard. */
const liveGroups = new Set<number>();

/** Kills every process group still running (used by the second Ctrl-C). */
export function killAllProcessGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  liveGroups.clear();
}

/** The variables of an environment that have a value: what `LocalRunOptions.env` takes. */
export function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface LocalRunOptions {
  env: Record<string, string>;
  cwd?: string;
  signal: AbortSignal;
  onStdout(line: string): void;
  onStderr(line: string): void;
  /** How long a cancelled command gets between SIGTERM and SIGKILL. */
  graceMs?: number;
}

export interface LocalRunResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** The last lines the command printed, for error messages. */
  tail: string[];
}

/**
 * Runs a local command in its own process group, streaming its output by line. On
 * cancellation the whole group (the shell and what it started) gets SIGTERM, then SIGKILL.
 */
export async function runLocalCommand(command: string[], options: LocalRunOptions): Promise<LocalRunResult> {
  const [file, ...args] = command;
  const tail = new RecentLines(20);
  const child = execa(file!, args, {
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
  });
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.graceMs ?? 5000);
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  const lines = (stream: NodeJS.ReadableStream | null, sink: (l: string) => void) =>
    stream
      ? readLines(stream, (l) => {
          tail.push(l);
          sink(l);
        })
      : Promise.resolve();
  try {
    const [result] = await Promise.all([
      child,
      lines(child.stdout, options.onStdout),
      lines(child.stderr, options.onStderr),
    ]);
    if (options.signal.aborted) throw new CancelledError('Build was cancelled.');
    if (result.failed && result.exitCode === undefined && !result.signal)
      throw new Error(`could not start ${file}: ${result.shortMessage ?? result.message}`);
    return { exitCode: result.exitCode, signal: result.signal, tail: tail.lines };
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
    if (pid !== undefined) {
      // After a cancel the shell may be gone while something it started lives on in the group.
      if (options.signal.aborted) signalGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
    }
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // The group has already exited.
  }
}
