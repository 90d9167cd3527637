import type { Fingerprint } from '../core/fingerprint.js';
import { SECTION_MARK } from './script.js';

/** Splits the script's output into its sections (name → lines, blank lines dropped). */
export function splitSections(lines: string[]): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines) {
    if (line.startsWith(SECTION_MARK)) {
      current = [];
      sections.set(line.slice(SECTION_MARK.length).trim(), current);
    } else if (current && line.trim() !== '') current.push(line.replace(/\r$/, ''));
  }
  return sections;
}

/** /etc/os-release: KEY=value lines, values optionally quoted. */
export function parseOsRelease(lines: string[]): Fingerprint['os'] {
  const values = new Map<string, string>();
  for (const line of lines) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2]!;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1).replace(/\\(["$`\\])/g, '$1');
    values.set(m[1]!, value);
  }
  return {
    id: values.get('ID') ?? 'unknown',
    version_id: values.get('VERSION_ID') ?? '',
    pretty_name: values.get('PRETTY_NAME') ?? values.get('NAME') ?? '',
  };
}

/** `dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n'`: installed ones only. */
export function parseDpkgQuery(lines: string[]): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const line of lines) {
    const [status, name, version, arch] = line.split('\t');
    // The abbreviation's second letter is the state: i = installed (rc, un and friends are not).
    if (!name || !status || status[1] !== 'i') continue;
    packages[name] = `${version} ${arch}`;
  }
  return packages;
}

/** `rpm -qa --qf '%{NAME}\t[EPOCH:]%{VERSION}-%{RELEASE}\t%{ARCH}\n'`. */
export function parseRpmQuery(lines: string[]): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const line of lines) {
    const [name, version, arch] = line.split('\t');
    if (!name || !version) continue;
    // Several versions of one name (kernels, gpg-pubkey) stay apart.
    const key = name in packages ? `${name} ${version}` : name;
    packages[key] = `${version} ${arch ?? ''}`.trim();
  }
  return packages;
}

/** `apk list -I`: "musl-1.2.4-r2 x86_64 {musl} (MIT) [installed]". */
export function parseApkInstalled(lines: string[]): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const line of lines) {
    const [nameVersion, arch] = line.trim().split(/\s+/);
    const m = /^(.+)-([^-]+-r\d+)$/.exec(nameVersion ?? '');
    if (!m) continue;
    packages[m[1]!] = `${m[2]} ${arch ?? ''}`.trim();
  }
  return packages;
}

/** getent passwd: name → "uid:gid home shell". */
export function parsePasswd(lines: string[]): Record<string, string> {
  const users: Record<string, string> = {};
  for (const line of lines) {
    const f = line.split(':');
    if (f.length < 7 || !f[0]) continue;
    users[f[0]] = `${f[2]}:${f[3]} ${f[5]} ${f[6]}`;
  }
  return users;
}

/** getent group: name → "gid members" (members sorted). */
export function parseGroup(lines: string[]): Record<string, string> {
  const groups: Record<string, string> = {};
  for (const line of lines) {
    const f = line.split(':');
    if (f.length < 4 || !f[0]) continue;
    const members = f[3]!.split(',').filter(Boolean).sort().join(',');
    groups[f[0]] = members ? `${f[2]} ${members}` : f[2]!;
  }
  return groups;
}

/** Enabled units, one per line ("ssh.service"), or as `systemctl list-unit-files` prints them ("ssh.service enabled enabled"). */
export function parseEnabledServices(lines: string[]): string[] {
  const units = lines.map((l) => l.trim().split(/\s+/)[0] ?? '').filter((u) => u.endsWith('.service'));
  return [...new Set(units)].sort();
}

/** `ss -ltnH | awk '{print $4}'`: local addresses, "0.0.0.0:22", "[::]:22", "*:80". */
export function parseListening(lines: string[]): string[] {
  return [...new Set(lines.map((l) => l.trim()).filter((l) => /:\d+$/.test(l)))].sort();
}

/** sha256sum output: "HASH  PATH" (a leading backslash marks an escaped name; those are kept as printed). */
export function parseSha256sum(lines: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const line of lines) {
    const m = /^\\?([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m) files[m[2]!] = m[1]!;
  }
  return files;
}
