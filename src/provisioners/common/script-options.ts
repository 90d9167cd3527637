import { existsSync, statSync } from 'node:fs';
import type { ConfigProblems } from '../../core/plugin.js';
import { shellQuote } from '../../util/shell-quote.js';

/** The script that inline commands become: the shebang, then one command per line. */
export function inlineScript(shebang: string, commands: string[]): string {
  return `#!${shebang}\n${commands.join('\n')}\n`;
}

/** Packer's {{.Vars}}: KEY='value' pairs, sorted by name, ready for a shell command line. */
export function flattenVars(vars: Record<string, string>): string {
  return Object.keys(vars)
    .sort()
    .map((k) => `${k}=${shellQuote(vars[k]!)}`)
    .join(' ');
}

/**
 * Packer's env_var_format: each variable, sorted by name, through a format with two %s (the
 * name, then the value with each ' written as '"'"', as Packer escapes it for its quotes).
 */
export function formatVars(format: string, vars: Record<string, string>): string {
  return Object.keys(vars)
    .sort()
    .map((k) => {
      const [before, middle, after] = format.split('%s');
      return `${before}${k}${middle}${vars[k]!.replace(/'/g, `'"'"'`)}${after}`;
    })
    .join('');
}

/** Packer's env_var_format, checked: two %s, the name and then the value. */
export function envVarFormat(o: Record<string, unknown>, problems: ConfigProblems): string | undefined {
  const format = o.env_var_format as string | undefined;
  if (format !== undefined && format.split('%s').length !== 3)
    problems.error(
      ['env_var_format'],
      'env_var_format must hold "%s" twice: the name, then the value',
      `Packer's default is "%s='%s' "`,
    );
  return format;
}

/**
 * Checks that exactly one of the listed keys is set (inline, script, scripts, ...) and that
 * every script file exists; returns the script files in order.
 */
export function scriptSources(o: Record<string, unknown>, problems: ConfigProblems, keys: readonly string[]): string[] {
  const given = keys.filter((k) => o[k] !== undefined);
  const quoted = keys.map((k) => `"${k}"`);
  if (given.length === 0)
    problems.error(
      [],
      `needs one of ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`,
      'for example "inline": ["echo hello"]',
    );
  if (given.length > 1)
    problems.error(
      [given[1]!],
      `"${given[0]}" and "${given[1]}" cannot be used together`,
      `keep only one of ${keys.join(', ')}`,
    );
  const scripts = o.script !== undefined ? [o.script as string] : ((o.scripts as string[] | undefined) ?? []);
  scripts.forEach((s, i) => {
    const where = o.script !== undefined ? ['script'] : ['scripts', i];
    if (!existsSync(s))
      problems.error(
        where,
        `script "${s}" does not exist`,
        "paths are relative to the directory boxwright runs in; {{template_dir}} gives the template's folder",
      );
    else if (!statSync(s).isFile()) problems.error(where, `script "${s}" is not a file`);
  });
  return scripts;
}

/** environment_vars ("KEY=value" strings) then env (a map), as ordered pairs. */
export function environment(o: Record<string, unknown>, problems: ConfigProblems): [string, string][] {
  const pairs: [string, string][] = [];
  ((o.environment_vars as string[] | undefined) ?? []).forEach((kv, i) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) problems.error(['environment_vars', i], `"${kv}" is not KEY=VALUE`, 'write "NAME=value"');
    else pairs.push([kv.slice(0, eq), kv.slice(eq + 1)]);
  });
  for (const [k, v] of Object.entries((o.env as Record<string, string> | undefined) ?? {})) pairs.push([k, v]);
  return pairs;
}
