import { UserError } from '../base/errors.js';
import { globMatcher } from '../util/glob.js';
import { CATEGORIES, type Category } from '../core/fingerprint.js';

/** One thing parity may ignore: keys of a category (or of any) that match a glob. */
export interface IgnoreRule {
  text: string;
  category?: Category;
  matches: (key: string) => boolean;
  /** Why it is ignored, for the report. */
  reason: string;
}

const PLURALS: Record<string, Category> = {
  packages: 'package',
  users: 'user',
  groups: 'group',
  services: 'service',
  ports: 'port',
  files: 'file',
};

/**
 * Parses `CATEGORY:GLOB` (say `package:linux-image-*`, `file:/etc/motd`, `service:*`) or a
 * bare GLOB that applies to every category. `where` names the flag or template option the
 * rule came from, for the error.
 */
export function parseIgnoreRule(text: string, where: string, reason = `ignored by ${where}`): IgnoreRule {
  const m = /^([a-z]+):(.*)$/.exec(text);
  const word = m?.[1];
  const category = word ? (PLURALS[word] ?? (CATEGORIES as readonly string[]).find((c) => c === word)) : undefined;
  if (m && word && !category && !text.startsWith('/'))
    throw new UserError(
      `${where}: "${text}" names no category "${word}"`,
      `write CATEGORY:GLOB with CATEGORY one of ${CATEGORIES.join(', ')} (say package:linux-image-*), or a bare GLOB for every category`,
    );
  const pattern = category ? m![2]! : text;
  if (pattern === '')
    throw new UserError(`${where}: "${text}" has no pattern after the colon`, 'say package:* to ignore every package');
  return { text, category: category as Category | undefined, matches: globMatcher(pattern), reason };
}

const rule = (text: string, reason: string) => parseIgnoreRule(text, 'the default rules', reason);

/**
 * Differences every platform has and that say nothing about the application: how each one
 * boots, the hypervisor's or cloud's agents, and what is unique to each machine.
 */
export const DEFAULT_RULES: IgnoreRule[] = [
  ...[
    'linux-image-*',
    'linux-headers-*',
    'linux-modules-*',
    'firmware-*',
    'grub*',
    'shim-*',
    'extlinux',
    'syslinux*',
    'initramfs-tools*',
    'dracut*',
  ].map((p) => rule(`package:${p}`, 'kernel and boot packages differ by platform')),
  ...[
    'open-vm-tools*',
    'virtualbox-guest-*',
    'qemu-guest-agent',
    'spice-vdagent',
    'hyperv-daemons',
    'xe-guest-utilities',
  ].map((p) => rule(`package:${p}`, 'hypervisor guest tools')),
  ...[
    'cloud-init',
    'cloud-guest-utils',
    'cloud-initramfs-*',
    'cloud-utils',
    'amazon-ec2-utils',
    'ec2-instance-connect',
    'amazon-ssm-agent',
    'ec2-hibinit-agent',
  ].map((p) => rule(`package:${p}`, 'cloud agents')),
  ...['vboxsf', 'vboxusers', 'vboxadd'].map((p) => rule(`group:${p}`, 'hypervisor guest tools')),
  rule('user:vboxadd', 'hypervisor guest tools'),
  ...['/etc/cloud/**', '/var/lib/cloud/**'].map((p) => rule(`file:${p}`, 'cloud-init data')),
  ...['/etc/machine-id', '/var/lib/dbus/machine-id', '/etc/ssh/ssh_host_*', '/etc/hostname', '/etc/hosts'].map((p) =>
    rule(`file:${p}`, 'unique to each machine'),
  ),
];
