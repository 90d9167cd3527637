import type { Communicator } from '../core/communicator.js';
import { globMatcher } from '../util/glob.js';
import type { Fingerprint, FingerprintRequest } from '../core/fingerprint.js';
import {
  parseApkInstalled,
  parseDpkgQuery,
  parseEnabledServices,
  parseGroup,
  parseListening,
  parseOsRelease,
  parsePasswd,
  parseRpmQuery,
  parseSha256sum,
  splitSections,
} from './parse.js';
import { fingerprintScript, shellQuote } from './script.js';

export interface FingerprintSubject {
  build: string;
  builderType: string;
}

/** Reads the machine's fingerprint through its communicator, in one command. */
export async function takeFingerprint(
  communicator: Communicator,
  subject: FingerprintSubject,
  request: FingerprintRequest,
  signal: AbortSignal,
): Promise<Fingerprint> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const result = await communicator.exec(`sh -c ${shellQuote(fingerprintScript(request.files))}`, {
    signal,
    onStdout: (l) => stdout.push(l),
    onStderr: (l) => stderr.push(l),
  });
  const sections = splitSections(stdout);
  if (result.exitCode !== 0 || !sections.has('end'))
    throw new Error(
      `the fingerprint command exited with ${result.exitCode ?? result.signal}${stderr.length ? `: ${stderr.slice(-3).join(' / ')}` : ''}`,
    );
  return fingerprintFromSections(sections, subject, request, communicator.type === 'docker');
}

/** Builds the fingerprint from the script's sections; exported for tests on recorded output. */
export function fingerprintFromSections(
  sections: Map<string, string[]>,
  subject: FingerprintSubject,
  request: FingerprintRequest,
  inContainer: boolean,
): Fingerprint {
  const section = (name: string) => sections.get(name) ?? [];
  const [manager = 'none', ...packageLines] = section('packages');
  const packages =
    manager === 'dpkg'
      ? parseDpkgQuery(packageLines)
      : manager === 'rpm'
        ? parseRpmQuery(packageLines)
        : manager === 'apk'
          ? parseApkInstalled(packageLines)
          : {};
  const matchers = request.files.map(globMatcher);
  const files = Object.fromEntries(
    Object.entries(parseSha256sum(section('files')))
      .filter(([file]) => matchers.some((m) => m(file)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return {
    schema: 1,
    build: subject.build,
    builder_type: subject.builderType,
    platform: inContainer || section('container')[0] === 'yes' ? 'container' : 'vm',
    os: parseOsRelease(section('os-release')),
    kernel: section('kernel')[0] ?? '',
    arch: section('arch')[0] ?? '',
    package_manager: (['dpkg', 'rpm', 'apk'] as const).find((m) => m === manager) ?? 'none',
    packages,
    users: parsePasswd(section('passwd')),
    groups: parseGroup(section('group')),
    services: parseEnabledServices(section('services')),
    ports: parseListening(section('ports')),
    files,
    ignore: request.ignore,
  };
}
