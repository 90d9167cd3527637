/**
 * Packer's flags are Go flags: `-only=x`, `-only x`, `--only=x`, and booleans as
 * `-force` or `-force=false`. Commander wants `--only`. This rewrites Packer spellings to
 * Commander's before parsing, leaving option values untouched.
 */
export function normalizeArgs(
  args: string[],
  valueOptions: ReadonlySet<string>,
  booleanOptions: ReadonlySet<string>,
  /** Default-on booleans, which `-name=false` turns off (Commander's `--no-name`). */
  negatableOptions: ReadonlySet<string> = new Set(['color']),
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const m = /^--?([a-zA-Z][a-zA-Z0-9-]+)(=(.*))?$/s.exec(arg);
    if (!m) {
      out.push(arg);
      continue;
    }
    const [, name, hasValue, value] = m as unknown as [string, string, string | undefined, string | undefined];
    if (booleanOptions.has(name) && hasValue) {
      const v = value!.toLowerCase();
      if (['false', '0', 'f'].includes(v)) {
        // -color=false is the Go way to turn a default-on flag off.
        if (negatableOptions.has(name)) out.push(`--no-${name}`);
      } else if (['true', '1', 't'].includes(v)) {
        if (!negatableOptions.has(name)) out.push(`--${name}`);
      } else {
        out.push(`--${name}=${value}`);
      }
      continue;
    }
    out.push(`--${name}${hasValue ? `=${value}` : ''}`);
    if (!hasValue && valueOptions.has(name) && i + 1 < args.length) out.push(args[++i]!);
  }
  return out;
}
