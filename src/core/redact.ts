/** The text that stands in for a secret in every output. */
export const SENSITIVE = '<sensitive>';

/**
 * A secret this short, or that is a plain word, also occurs inside paths, names and
 * boxwright's own words ("vagrant" in "vagrant-box.json"): it is hidden only where it stands
 * alone, not inside a longer name.
 */
export function isWeakSecret(secret: string): boolean {
  return secret.length < 8 || /^[A-Za-z]+$/.test(secret);
}

/** Around a word of boxwright's own (see publicWord); removed from every output. */
const PUBLIC_OPEN = '\uE000';
const PUBLIC_CLOSE = '\uE001';

/**
 * Marks a word boxwright itself prints, such as a plugin type in "Running post-processor:
 * vagrant", as public: a weak secret that happens to be the same word ("vagrant", the usual
 * ssh_password of a Vagrant template) is not hidden there. The mark is removed on output.
 */
export function publicWord(word: string): string {
  return `${PUBLIC_OPEN}${word}${PUBLIC_CLOSE}`;
}

/** Characters that continue a name or a path around a weak secret (and the public-word marks). */
const NAME_CHAR = /[A-Za-z0-9_./\\\-\uE000\uE001]/;

/** Replaces secrets (sensitive variable values) in text bound for any output. */
export class Redactor {
  private secrets: string[] = [];

  /** Adds secrets; empty strings are ignored (they would match everywhere). */
  add(...values: string[]): void {
    for (const v of values) if (v && !this.secrets.includes(v)) this.secrets.push(v);
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** The secrets themselves, for sealing (never for output). */
  values(): readonly string[] {
    return [...this.secrets];
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (!out.includes(s)) continue;
      out = isWeakSecret(s) ? replaceStandalone(out, s) : out.split(s).join(SENSITIVE);
    }
    return out.includes(PUBLIC_OPEN) ? out.replaceAll(PUBLIC_OPEN, '').replaceAll(PUBLIC_CLOSE, '') : out;
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

/** Replaces `secret` where neither neighbour continues a name or path. */
function replaceStandalone(text: string, secret: string): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + secret.length)) {
    const before = text[at - 1];
    const after = text[at + secret.length];
    if ((before !== undefined && NAME_CHAR.test(before)) || (after !== undefined && NAME_CHAR.test(after))) continue;
    out += text.slice(from, at) + SENSITIVE;
    from = at + secret.length;
  }
  return out + text.slice(from);
}
