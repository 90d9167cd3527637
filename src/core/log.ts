import { appendFileSync, openSync, closeSync } from 'node:fs';
import type { Redactor } from './redact.js';

/** The debug log: off unless BOXWRIGHT_LOG is set; to BOXWRIGHT_LOG_PATH, else to stderr (as PACKER_LOG). */
export class DebugLog {
  private constructor(
    private readonly target: 'off' | 'stderr' | { path: string },
    private readonly redactor: Redactor,
  ) {}

  static fromEnv(env: NodeJS.ProcessEnv, redactor: Redactor): DebugLog {
    const on = env.BOXWRIGHT_LOG && env.BOXWRIGHT_LOG !== '0' && env.BOXWRIGHT_LOG.toLowerCase() !== 'false';
    if (!on) return new DebugLog('off', redactor);
    const path = env.BOXWRIGHT_LOG_PATH;
    if (!path) return new DebugLog('stderr', redactor);
    // Opened once here so that a bad path is reported at start, not silently later.
    closeSync(openSync(path, 'a'));
    return new DebugLog({ path }, redactor);
  }

  get enabled(): boolean {
    return this.target !== 'off';
  }

  /** Writes one timestamped line; every line passes through the redactor. */
  write(line: string): void {
    if (this.target === 'off') return;
    const text = `${new Date().toISOString()} ${this.redactor.redact(line)}\n`;
    if (this.target === 'stderr') process.stderr.write(text);
    else appendFileSync(this.target.path, text);
  }
}
