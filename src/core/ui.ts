import { createColors } from 'picocolors';
import type { DebugLog } from './log.js';
import type { Redactor } from './redact.js';
import type { Ui } from '../base/ui.js';

export type { Ui };

/** How the run talks to the user; Packer's three output shapes. */
export interface UiOptions {
  machineReadable: boolean;
  color: boolean;
  timestamps: boolean;
}

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Paint = (s: string) => string;
// Colours are always built; Output decides per run whether to use them (-color, TTY, NO_COLOR).
const pc = createColors(true);
// Packer's build colours, in Packer's order.
const BUILD_COLORS: Paint[] = [pc.green, pc.cyan, pc.magenta, pc.yellow, pc.blue];

/** Escapes one machine-readable field the way Packer does, so existing parsers split it right. */
export function escapeMachineField(value: string): string {
  return value.replaceAll(',', '%!(PACKER_COMMA)').replaceAll('\r', '\\r').replaceAll('\n', '\\n');
}

/**
 * The one place output leaves the process. Every line passes the redactor here, and is
 * copied to the debug log, so no caller can leak a secret by forgetting to redact.
 */
export class Output {
  private readonly builds = new Map<string, Ui>();
  /** A progress line is on the terminal's last line, to be wiped before the next output. */
  private progressShown = false;

  constructor(
    readonly options: UiOptions,
    readonly redactor: Redactor,
    readonly log: DebugLog,
    private readonly streams: Streams = { stdout: process.stdout, stderr: process.stderr },
  ) {
    // A reader that goes away (`boxwright build t.json | head -3`) must not crash the build or skip its cleanup.
    for (const name of ['stdout', 'stderr'] as const) {
      streams[name].on?.('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
        this.closed.add(name);
        this.log.write(`output: ${name} was closed by its reader; the build goes on without it`);
      });
    }
  }

  /** Streams whose reader has gone away. */
  private readonly closed = new Set<keyof Streams>();

  private write(name: keyof Streams, text: string): void {
    if (this.closed.has(name)) return;
    this.streams[name].write(text);
  }

  /** Top-level `==> message`. */
  say(message: string): void {
    this.emit('say', prefixLines('==> ', message), (s) => (this.options.color ? pc.bold(s) : s));
  }

  /** Top-level plain message (artifact lines `--> name: ...`). */
  message(message: string): void {
    this.emit('message', message, (s) => s);
  }

  /** Top-level error, red. */
  error(message: string): void {
    this.emit('error', message, (s) => (this.options.color ? pc.red(s) : s));
  }

  /** A machine-readable record; printed only with -machine-readable (and always logged). */
  machine(target: string, type: string, ...data: string[]): void {
    const clean = data.map((d) => this.redactor.redact(d));
    this.log.write(`machine: ${target},${type},${clean.join(',')}`);
    if (!this.options.machineReadable) return;
    const ts = Math.floor(Date.now() / 1000);
    this.write('stdout', `${ts},${escapeMachineField(target)},${type},${clean.map(escapeMachineField).join(',')}\n`);
  }

  /** The UI of one build; each build keeps the colour it first got, in Packer's cycle. */
  forBuild(name: string): Ui {
    const known = this.builds.get(name);
    if (known) return known;
    const paint = BUILD_COLORS[this.builds.size % BUILD_COLORS.length]!;
    const color = this.options.color;
    const ui: Ui = {
      say: (m) => this.emit('say', prefixLines(`==> ${name}: `, m), (s) => (color ? pc.bold(paint(s)) : s)),
      message: (m) => this.emit('message', prefixLines(`    ${name}: `, m), (s) => (color ? paint(s) : s)),
      error: (m) => this.emit('error', prefixLines(`==> ${name}: `, m), (s) => (color ? pc.bold(pc.red(s)) : s)),
      progress: (m) => this.progress(`    ${name}: ${m}`),
    };
    this.builds.set(name, ui);
    return ui;
  }

  /** A line that is not part of any build (help, validation results). */
  plain(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const clean = this.redactor.redact(text);
    this.log.write(`ui: ${clean}`);
    if (this.options.machineReadable) {
      this.machine('', 'ui', stream === 'stderr' ? 'error' : 'say', text);
      return;
    }
    this.write(stream, `${clean}\n`);
  }

  /** Redraws one status line in place on a terminal; logs, pipes and -machine-readable never see it. */
  private progress(text: string): void {
    const out = this.streams.stdout as NodeJS.WriteStream;
    if (this.options.machineReadable || !out.isTTY) return;
    this.write('stdout', `\r\x1b[2K${this.redactor.redact(text).split('\n')[0]}`);
    this.progressShown = true;
  }

  private emit(kind: 'say' | 'message' | 'error', text: string, paint: Paint): void {
    if (this.progressShown) {
      this.write('stdout', '\r\x1b[2K');
      this.progressShown = false;
    }
    const clean = this.redactor.redact(text);
    this.log.write(`ui${kind === 'error' ? ' error' : ''}: ${clean}`);
    if (this.options.machineReadable) {
      // Packer writes ui records with an empty target and the prefixed text.
      const ts = Math.floor(Date.now() / 1000);
      this.write('stdout', `${ts},,ui,${kind},${escapeMachineField(clean)}\n`);
      return;
    }
    const stamp = this.options.timestamps ? `${rfc3339Local(new Date())}: ` : '';
    const lines = clean.split('\n').map((l) => `${stamp}${paint(l)}`);
    this.write(kind === 'error' ? 'stderr' : 'stdout', `${lines.join('\n')}\n`);
  }
}

function prefixLines(prefix: string, message: string): string {
  return message
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
}

/** Go's time.RFC3339 in local time, as Packer's -timestamp-ui prints it. */
export function rfc3339Local(d: Date): string {
  const off = -d.getTimezoneOffset();
  const p = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
}
