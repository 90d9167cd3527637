/**
 * What makes a machine what it is, as seen from inside it after provisioning. Two builds
 * whose fingerprints are equal (less the platform differences parity ignores) are the
 * same machine to anything that runs on them.
 */
export interface Fingerprint {
  schema: 1;
  build: string;
  builder_type: string;
  /** `container` when the build ran in one (no kernel or init of its own), else `vm`. */
  platform: 'vm' | 'container';
  os: { id: string; version_id: string; pretty_name: string };
  kernel: string;
  arch: string;
  package_manager: 'dpkg' | 'rpm' | 'apk' | 'none';
  /** name → "version arch". */
  packages: Record<string, string>;
  /** name → "uid:gid home shell". */
  users: Record<string, string>;
  /** name → "gid members". */
  groups: Record<string, string>;
  /** Enabled systemd services (unit names). */
  services: string[];
  /** Listening TCP sockets, "address:port". */
  ports: string[];
  /** path → SHA-256 of the files and globs the template named. */
  files: Record<string, string>;
  /** The template's own rules of what parity may ignore (the fingerprint provisioner's `ignore`). */
  ignore: string[];
}

/** What a template adds to the fingerprint: more files to hash, more to ignore. */
export interface FingerprintRequest {
  files: string[];
  ignore: string[];
}

/** The categories parity compares, in the order it reports them. */
export const CATEGORIES = ['os', 'kernel', 'package', 'user', 'group', 'service', 'port', 'file'] as const;
export type Category = (typeof CATEGORIES)[number];

/** One fingerprint as a flat map per category: key → value. */
export function entriesOf(fp: Fingerprint): Record<Category, Record<string, string>> {
  const set = (list: string[]) => Object.fromEntries(list.map((s) => [s, 'enabled']));
  return {
    os: { [fp.os.id]: `${fp.os.version_id} (${fp.arch})` },
    kernel: { kernel: fp.kernel },
    package: fp.packages,
    user: fp.users,
    group: fp.groups,
    service: set(fp.services),
    port: Object.fromEntries(fp.ports.map((p) => [p, 'listening'])),
    file: fp.files,
  };
}
