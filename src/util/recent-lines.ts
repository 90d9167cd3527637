/** Keeps the last `max` lines a command printed, for error messages. */
export class RecentLines {
  private readonly kept: string[] = [];

  constructor(private readonly max: number) {}

  push(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.max) this.kept.shift();
  }

  get lines(): string[] {
    return [...this.kept];
  }
}

/** "\nLast output:\n  line…" for an error message, or nothing when there was no output. */
export function lastOutputSection(lines: string[]): string {
  return lines.length ? `\nLast output:\n${lines.map((l) => `  ${l}`).join('\n')}` : '';
}
