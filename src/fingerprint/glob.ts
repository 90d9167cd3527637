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
