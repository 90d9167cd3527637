import { parseGoDuration } from '../base/duration.js';
import type { ConfigProblems } from '../core/plugin.js';
import { parseBootCommand } from '../machines/boot-command.js';
import { duration, type Options } from './options.js';

/** What is typed at the console after boot_wait, and how fast. */
export interface BootConfig {
  waitMs: number;
  /** The joined boot_command, late fields ({{ .HTTPIP }}) still in it. */
  command: string;
  keyIntervalMs: number;
}

/** Packer's boot options; boot_key_interval wins over boot_keygroup_interval when both are set. */
export const bootOptions = {
  boot_wait: duration('10s'),
  boot_command: { type: 'array', items: { type: 'string' }, default: [] },
  boot_keygroup_interval: duration('100ms'),
  boot_key_interval: duration(),
};

/** The fields boot_command may use, filled in when it is typed. */
export const BOOT_COMMAND_FIELDS = ['HTTPIP', 'HTTPPort', 'Name'] as const;

/** Joins boot_command and checks that every key can be typed, by the QEMU engine and by VirtualBox alike. */
export function prepareBoot(o: Options, p: ConfigProblems): BootConfig {
  const command = (o.boot_command as string[]).join('');
  const warnings: string[] = [];
  try {
    // Late fields are still in the text; their braces type fine, so this checks the rest.
    parseBootCommand(command, warnings);
  } catch (err) {
    p.error(['boot_command'], (err as Error).message);
  }
  for (const w of warnings) p.warn(['boot_command'], w);
  return {
    waitMs: parseGoDuration(o.boot_wait as string) ?? 10_000,
    command,
    keyIntervalMs: parseGoDuration((o.boot_key_interval ?? o.boot_keygroup_interval) as string) ?? 100,
  };
}
