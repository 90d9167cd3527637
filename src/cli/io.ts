import { DebugLog } from '../core/log.js';
import { Redactor } from '../core/redact.js';
import { Output, type Streams, type UiOptions } from '../core/ui.js';
import { formatDiagnostic, type Diagnostic } from '../template/diagnostics.js';

/** The process around a command: streams, environment, working directory. Tests pass their own. */
export interface CliIo extends Streams {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadableStream;
}

export interface OutputFlags {
  machineReadable?: boolean;
  color?: boolean;
  timestampUi?: boolean;
}

/** Builds the one Output a command writes through, with its redactor and debug log. */
export function makeOutput(io: CliIo, flags: OutputFlags, redactor = new Redactor()): Output {
  const isTty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
  const colorWanted =
    flags.color !== false && !flags.machineReadable && !io.env.NO_COLOR && (isTty || Boolean(io.env.FORCE_COLOR));
  const options: UiOptions = {
    machineReadable: Boolean(flags.machineReadable),
    color: colorWanted,
    timestamps: Boolean(flags.timestampUi),
  };
  return new Output(options, redactor, DebugLog.fromEnv(io.env, redactor), io);
}

/** Prints problems: errors to stderr, then a count. */
export function printDiagnostics(output: Output, diagnostics: Diagnostic[]): void {
  // Command-line problems first, then file order, so the list reads top to bottom.
  const sorted = [...diagnostics].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  for (const d of sorted) output.plain(formatDiagnostic(d), d.severity === 'error' ? 'stderr' : 'stdout');
}
