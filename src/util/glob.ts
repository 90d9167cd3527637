import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Shell-style globs over paths and names: `*` and `?` stay within one path segment, `**`
 * crosses segments, `[…]` is a class. A pattern without any of them names a path and
 * everything under it.
 */
export function globMatcher(pattern: string): (candidate: string) => boolean {
  if (!/[*?[]/.test(pattern)) {
    const dir = pattern.endsWith('/') ? pattern : `${pattern}/`;
    return (c) => c === pattern || c.startsWith(dir);
  }
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      // "/**/" also matches a single "/": a/**/b takes a/b.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        source += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`);
  return (c) => re.test(c);
}

/**
 * The paths a pattern names, as Go's filepath.Glob finds them (Packer's artifice): `*`, `?` and
 * `[…]` within one segment, resolved against `cwd`; a pattern without them names one path,
 * listed only if it exists. Sorted within each directory.
 */
export async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  const absolute = path.resolve(cwd, pattern);
  if (!/[*?[]/.test(pattern)) return (await exists(absolute)) ? [pattern] : [];
  const root = path.parse(absolute).root;
  let found = [root];
  for (const segment of absolute.slice(root.length).split(path.sep)) {
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?[]/.test(segment)) {
        if (await exists(path.join(dir, segment))) next.push(path.join(dir, segment));
        continue;
      }
      const matches = globMatcher(segment);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.sort()) if (matches(name)) next.push(path.join(dir, name));
    }
    found = next;
  }
  // Relative patterns give relative paths, as Go's does.
  return path.isAbsolute(pattern) ? found : found.map((f) => path.relative(cwd, f));
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
