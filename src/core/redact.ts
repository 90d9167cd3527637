/** The text that stands in for a secret in every output. */
export const SENSITIVE = '<sensitive>';

/** Replaces secrets (sensitive variable values) in text bound for any output. */
export class Redactor {
  private secrets: string[] = [];

  /** Adds secrets; empty strings are ignored (they would match everywhere). */
  add(...values: string[]): void {
    for (const v of values) if (v && !this.secrets.includes(v)) this.secrets.push(v);
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(SENSITIVE);
    return out;
  }

  /** Redacts every string inside a JSON-like value (for the manifest). */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k), this.redactValue(v)])) as T;
    }
    return value;
  }
}
