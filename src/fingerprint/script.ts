/**
 * The one shell command that reads a fingerprint, section by section, so that taking it is
 * one round trip over any communicator. POSIX sh, nothing beyond coreutils, findutils and
 * whichever package manager the guest has; a missing tool leaves its section empty.
 */

export const SECTION_MARK = '@@boxwright:';

/** Single-quotes a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Where to look for files a pattern may match: the path up to its first segment with a glob. */
export function searchRoot(pattern: string): string {
  const segments = pattern.split('/');
  const firstGlob = segments.findIndex((s) => /[*?[]/.test(s));
  if (firstGlob === -1) return pattern;
  const root = segments.slice(0, firstGlob).join('/');
  return root === '' ? '/' : root;
}

export function fingerprintScript(patterns: string[]): string {
  const roots = [...new Set(patterns.map(searchRoot))].map(shellQuote).join(' ');
  const lines = [
    'export LC_ALL=C',
    // Files the template names may be readable by root only; use sudo when it asks no password.
    'S=""; if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then S="sudo -n"; fi',
    `m() { printf '\\n${SECTION_MARK}%s\\n' "$1"; }`,
    'm os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
    'm kernel; uname -r',
    'm arch; uname -m',
    'm container; [ -f /.dockerenv ] || [ -f /run/.containerenv ] && echo yes',
    'm packages',
    "if command -v dpkg-query >/dev/null 2>&1; then echo dpkg; dpkg-query -W -f '${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\n' 2>/dev/null",
    "elif command -v rpm >/dev/null 2>&1; then echo rpm; rpm -qa --qf '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n' 2>/dev/null",
    'elif command -v apk >/dev/null 2>&1; then echo apk; apk list -I 2>/dev/null',
    'else echo none; fi',
    'm passwd; getent passwd 2>/dev/null || cat /etc/passwd',
    'm group; getent group 2>/dev/null || cat /etc/group',
    // Enabled means linked into a target from /etc: reading the links is what `systemctl
    // list-unit-files --state=enabled` does, in milliseconds rather than seconds under emulation,
    // and alike in a container, where systemd is not running.
    'm services; for f in /etc/systemd/system/*.wants/*.service /etc/systemd/system/*.requires/*.service; do [ -L "$f" ] && echo "${f##*/}"; done',
    "m ports; ss -ltnH 2>/dev/null | awk '{print $4}'",
    'm files',
  ];
  if (roots)
    lines.push(
      `for r in ${roots}; do $S find "$r" -xdev -type f -print0 2>/dev/null | $S xargs -0 -r sha256sum 2>/dev/null; done`,
    );
  lines.push('m end; true');
  return lines.join('\n');
}
