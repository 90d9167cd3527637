import { existsSync } from 'node:fs';
import type { ConfigProblems } from '../core/plugin.js';

/** A builder's raw options after the schema applied its defaults. */
export type Options = Record<string, unknown>;

/** A Go duration option with its default. */
export const duration = (def?: string) => ({
  type: 'string',
  format: 'duration',
  ...(def !== undefined ? { default: def } : {}),
});

/** A TCP port option. */
export const port = (def?: number) => ({
  type: 'integer',
  minimum: 1,
  maximum: 65535,
  ...(def !== undefined ? { default: def } : {}),
});

/** Plain paths in *_files/*_dirs options that do not exist (patterns are expanded at build time). */
export function checkMediaPaths(o: Options, keys: string[], p: ConfigProblems): void {
  for (const key of keys) {
    for (const [i, pattern] of ((o[key] as string[] | undefined) ?? []).entries()) {
      if (!pattern.includes('*') && !existsSync(pattern))
        p.error([key, i], `"${pattern}" does not exist`, 'paths are relative to the directory boxwright runs in');
    }
  }
}

/** A [min, max] range from two options, with the problem named when min is above max. */
export function portRange(
  o: Options,
  names: [string, string],
  defaults: [number, number],
  p: ConfigProblems,
  aliases?: [string, string],
): [number, number] {
  const min = (o[names[0]] ?? (aliases && o[aliases[0]]) ?? defaults[0]) as number;
  const max = (o[names[1]] ?? (aliases && o[aliases[1]]) ?? defaults[1]) as number;
  const named = o[names[0]] !== undefined || !aliases ? names : aliases;
  if (min > max) p.error([named[0]], `${named[0]} (${min}) is above ${named[1]} (${max})`);
  return [min, max];
}
