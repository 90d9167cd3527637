import type { Category } from '../core/fingerprint.js';
import type { Difference, ParityReport } from './compare.js';

const HEADINGS: Record<Category, string> = {
  os: 'operating system',
  kernel: 'kernel',
  package: 'packages',
  user: 'users',
  group: 'groups',
  service: 'enabled services',
  port: 'listening ports',
  file: 'files',
};

const ONE: Record<Category, string> = {
  os: 'operating system',
  kernel: 'kernel',
  package: 'package',
  user: 'user',
  group: 'group',
  service: 'enabled service',
  port: 'listening port',
  file: 'file',
};

const ABSENT = '—';
const MAX_CELL = 32;

function cell(category: Category, value: string | undefined): string {
  if (value === undefined) return ABSENT;
  // A file's digest reads at a glance by its first 12 digits.
  if (category === 'file' && /^[0-9a-f]{64}$/.test(value)) return value.slice(0, 12);
  return value.length > MAX_CELL ? `${value.slice(0, MAX_CELL - 1)}…` : value;
}

/** "added in b", "missing in a", "other version": what a row means, in words. */
function describe(d: Difference, labels: string[]): string {
  const present = labels.filter((_, i) => d.values[i] !== undefined);
  const absent = labels.filter((_, i) => d.values[i] === undefined);
  if (absent.length === 0) return d.category === 'package' ? 'other version' : 'differs';
  return present.length <= absent.length ? `only in ${present.join(', ')}` : `not in ${absent.join(', ')}`;
}

/** The subjects whose value is not the most common one of a row; in a tie, all of them. */
function outliers(d: Difference): number[] {
  const counts = new Map<string | undefined, number>();
  for (const v of d.values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const most = Math.max(...counts.values());
  const common = [...counts].filter(([, n]) => n === most);
  if (common.length > 1) return d.values.map((_, i) => i);
  return d.values.flatMap((v, i) => (v === common[0]![0] ? [] : [i]));
}

/** The verdict in one line. */
export function verdictLine(report: ParityReport): string {
  const n = report.differences.length;
  if (n === 0)
    return `Parity: EQUAL — ${report.labels.join(', ')} are the same machine (${report.compared} entries compared${
      report.ignored.length
        ? `, ${report.ignored.reduce((s, g) => s + g.keys.length, 0)} expected differences ignored`
        : ''
    }).`;
  const counts = new Map<Category, number>();
  for (const d of report.differences) counts.set(d.category, (counts.get(d.category) ?? 0) + 1);
  const parts = [...counts].map(([c, k]) => `${k} ${k === 1 ? ONE[c] : HEADINGS[c]}`);
  const differing = report.labels.filter((_, i) => report.differences.some((d) => outliers(d).includes(i)));
  return `Parity: DRIFT — ${n} difference${n === 1 ? '' : 's'} (${parts.join(', ')}) between ${differing.join(', ')}.`;
}

/** The table a person reads: one row per difference, grouped by category, then what was ignored. */
export function formatReport(report: ParityReport): string {
  const lines: string[] = [];
  const { labels } = report;
  const rows = report.differences.map((d) => [d.key, ...d.values.map((v) => cell(d.category, v)), describe(d, labels)]);
  const header = ['', ...labels, ''];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const format = (r: string[]) => `    ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  let category: Category | undefined;
  if (rows.length) lines.push(format(header));
  report.differences.forEach((d, i) => {
    if (d.category !== category) {
      category = d.category;
      lines.push(`  ${HEADINGS[category]}`);
    }
    lines.push(format(rows[i]!));
  });
  if (report.ignored.length) {
    lines.push('  ignored, as expected between platforms:');
    for (const g of report.ignored) {
      const shown = g.keys.slice(0, 4).join(', ');
      lines.push(`    ${g.reason}: ${shown}${g.keys.length > 4 ? ` and ${g.keys.length - 4} more` : ''}`);
    }
  }
  lines.push(verdictLine(report));
  return lines.join('\n');
}

/** The machine-readable form (`-format=json`). */
export function reportJson(report: ParityReport): object {
  return {
    verdict: report.differences.length ? 'drift' : 'equal',
    builds: report.labels,
    compared: report.compared,
    differences: report.differences.map((d) => ({
      category: d.category,
      key: d.key,
      values: Object.fromEntries(report.labels.map((l, i) => [l, d.values[i] ?? null])),
    })),
    ignored: report.ignored,
  };
}
