/** A problem found in a template, a var-file or a command-line option, with where it is. */
export interface Diagnostic {
  /** The file the problem is in; undefined for command-line options. */
  file?: string;
  /** 1-based line and column in that file. */
  line?: number;
  column?: number;
  /** JSON path inside the file, e.g. builders[0].cpus, or the option name (-var). */
  path?: string;
  message: string;
  hint?: string;
  /** Warnings are printed but do not fail validation. */
  severity: 'error' | 'warning';
}

/** Thrown when a template or its inputs cannot be used; carries every problem at once. */
export class DiagnosticsError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'DiagnosticsError';
  }
}

/** One problem as a user reads it: `file:line:col: path: message` then the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const where: string[] = [];
  if (d.file) where.push(d.line ? `${d.file}:${d.line}:${d.column ?? 1}` : d.file);
  if (d.path) where.push(d.path);
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  const head = where.length ? `${where.join(': ')}: ${prefix}${d.message}` : `${prefix}${d.message}`;
  return d.hint ? `${head}\n    hint: ${d.hint}` : head;
}

/** Collects problems so that a pass can report all of them, not the first. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  add(d: Omit<Diagnostic, 'severity'> & { severity?: Diagnostic['severity'] }): void {
    const full: Diagnostic = { ...d, severity: d.severity ?? 'error' };
    // The same provisioner is planned once per build; its problems are reported once.
    const key = `${full.file}|${full.line}|${full.column}|${full.path}|${full.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(full);
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  /** Throws a DiagnosticsError when any error was collected. */
  throwIfErrors(): void {
    if (this.errors.length) throw new DiagnosticsError(this.items);
  }
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** "did you mean X?" or a list of what is allowed. */
export function suggestion(word: string, candidates: string[], noun = 'one of'): string {
  const near = closest(word, candidates);
  if (near) return `did you mean "${near}"?`;
  const sorted = [...candidates].sort();
  const shown = sorted.slice(0, 12).join(', ');
  return `use ${noun} ${shown}${sorted.length > 12 ? ', …' : ''}`;
}
