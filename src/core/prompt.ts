import { createInterface, type Interface } from 'node:readline';

/**
 * Reads answers from standard input, one line per question, in order. Used by -debug
 * pauses, -on-error=ask and the breakpoint provisioner. End of input answers undefined.
 */
export class Prompt {
  private rl: Interface | undefined;
  private lines: string[] = [];
  private waiting: ((line: string | undefined) => void)[] = [];
  private ended = false;

  constructor(private readonly input: NodeJS.ReadableStream = process.stdin) {}

  /** True when a person can answer (stdin is a terminal). */
  get interactive(): boolean {
    return Boolean((this.input as NodeJS.ReadStream).isTTY);
  }

  /** The next line of input, or undefined at end of input or when the signal fires. */
  nextLine(signal?: AbortSignal): Promise<string | undefined> {
    this.open();
    const buffered = this.lines.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (line: string | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(line);
      };
      const onAbort = () => {
        this.waiting = this.waiting.filter((w) => w !== done);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(done);
    });
  }

  /** Stops reading so that the process can exit. */
  close(): void {
    this.rl?.close();
    this.rl = undefined;
  }

  private open(): void {
    if (this.rl || this.ended) return;
    this.rl = createInterface({ input: this.input, terminal: false });
    this.rl.on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.ended = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    });
  }
}
