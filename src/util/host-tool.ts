import { execa } from 'execa';
import { CancelledError } from '../base/errors.js';

/** A host tool (qemu-img, VBoxManage, xorriso, mtools, …) that failed: what ran, how it ended, what it printed last. */
export class HostToolError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly outcome: string,
    readonly lastLines: string,
    /** Set when the tool is not installed. */
    readonly missing = false,
    /** All it printed on stderr (the end of it, when long). */
    readonly stderr = '',
  ) {
    super(`${command} ${args.join(' ')} ${outcome}${lastLines ? `: ${lastLines}` : ''}`);
    this.name = 'HostToolError';
  }
}

export interface HostToolOptions {
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kills the tool after this long (ms). */
  timeoutMs?: number;
  /** The debug log; every call is written to it. */
  log?: (line: string) => void;
  /** The Debian package that provides the tool, named in the error when it is missing. */
  debianPackage?: string;
}

/** Keeps the lines of a tool's stderr (or stdout) that say why it failed. */
function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' ').trim();
}

/**
 * Runs a host tool to its end with execa and returns its stdout. A failure throws a
 * HostToolError naming the command, the exit code or signal, and its last lines; Ctrl-C
 * throws CancelledError.
 */
export async function runHostTool(
  command: string,
  args: readonly string[],
  options: HostToolOptions = {},
): Promise<string> {
  options.log?.(`exec: ${command} ${args.join(' ')}`);
  const result = await execa(command, args, {
    cancelSignal: options.signal,
    reject: false,
    stdin: 'ignore',
    env: options.env,
    cwd: options.cwd,
    timeout: options.timeoutMs,
  });
  if (result.isCanceled) throw new CancelledError('Build was cancelled.');
  if (!result.failed) return String(result.stdout);
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new HostToolError(
      command,
      args,
      'could not run: it is not installed',
      options.debianPackage ? `install the ${options.debianPackage} package` : '',
      true,
    );
  }
  const outcome = result.timedOut
    ? `timed out after ${options.timeoutMs} ms`
    : result.signal
      ? `was killed by ${result.signal}`
      : `failed (exit code ${result.exitCode})`;
  throw new HostToolError(
    command,
    args,
    outcome,
    tail(String(result.stderr)) || tail(String(result.stdout)),
    false,
    String(result.stderr).slice(-8000),
  );
}
