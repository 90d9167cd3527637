/** Parses a Go duration ("1h30m", "500ms", "10s", "0"); undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let pos = 0;
  if (!text) return undefined;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * unitMs[m[2]!]!;
    pos = re.lastIndex;
  }
  return total;
}

/** Formats elapsed time the way Packer does ("1 minute 2 seconds"): the two largest units. */
export function formatElapsed(ms: number): string {
  const units: [string, number][] = [
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
    ['millisecond', 1],
  ];
  let rest = Math.max(0, Math.round(ms));
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    if (parts.length === 2) break;
  }
  return parts.length ? parts.join(' ') : '0 milliseconds';
}

/** A time as UTC to the second, as checkpoints are dated in messages: 2026-12-04T12:40:01Z. */
export function formatUtcSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}
