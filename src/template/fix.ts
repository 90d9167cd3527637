import { isObject } from '../util/is-object.js';

/** One rewrite `boxwright fix` made, for the report. */
export interface FixChange {
  path: string;
  change: string;
}

type Block = Record<string, unknown>;

/** Packer 1.6's fixers for options it no longer takes, applied to one builder. */
const FIXERS: ((builder: Block, at: string, changes: FixChange[]) => void)[] = [
  // iso-checksum-type: the type moves into iso_checksum ("sha256:…"), a checksum URL becomes "file:URL".
  (b, at, changes) => {
    for (const [typeKey, valueKey, urlKey] of [
      ['iso_checksum_type', 'iso_checksum', 'iso_checksum_url'],
      ['checksum_type', 'checksum', undefined],
    ] as const) {
      const type = b[typeKey];
      const url = urlKey ? b[urlKey] : undefined;
      if (type === undefined && url === undefined) continue;
      const value = b[valueKey];
      if (typeof url === 'string' && url) b[valueKey] = `file:${url}`;
      else if (type === 'none') b[valueKey] = 'none';
      else if (typeof type === 'string' && typeof value === 'string' && value && !value.includes(':'))
        b[valueKey] = `${type}:${value}`;
      delete b[typeKey];
      if (urlKey) delete b[urlKey];
      changes.push({
        path: `${at}.${valueKey}`,
        change: `${typeKey}${urlKey && url !== undefined ? ` and ${urlKey}` : ''} folded into ${valueKey}: ${JSON.stringify(b[valueKey])}`,
      });
    }
  },
  // ssh-wait-timeout: the old name of ssh_timeout.
  (b, at, changes) => {
    if (b.ssh_wait_timeout === undefined) return;
    if (b.ssh_timeout === undefined) b.ssh_timeout = b.ssh_wait_timeout;
    delete b.ssh_wait_timeout;
    changes.push({ path: `${at}.ssh_timeout`, change: 'ssh_wait_timeout renamed ssh_timeout' });
  },
  // qemu-host-port: qemu's ssh_host_port_* became host_port_*.
  (b, at, changes) => {
    if (b.type !== 'qemu') return;
    for (const end of ['min', 'max']) {
      const old = `ssh_host_port_${end}`;
      if (b[old] === undefined) continue;
      if (b[`host_port_${end}`] === undefined) b[`host_port_${end}`] = b[old];
      delete b[old];
      changes.push({ path: `${at}.host_port_${end}`, change: `${old} renamed host_port_${end}` });
    }
  },
];

/** Rewrites a template's options that Packer 1.6 refuses, as `packer fix` does; returns the template and what changed. */
export function fixTemplate(root: Block): { root: Block; changes: FixChange[] } {
  const fixed = structuredClone(root);
  const changes: FixChange[] = [];
  const builders = Array.isArray(fixed.builders) ? fixed.builders : [];
  builders.forEach((b, i) => {
    if (isObject(b)) for (const fix of FIXERS) fix(b, `builders[${i}]`, changes);
  });
  return { root: fixed, changes };
}
