import { prepareSsh, type SshConfig } from '../../src/communicators/ssh/config.js';
import { sshSchemaProperties } from '../../src/communicators/ssh/config.js';
import { checkSchema } from '../../src/template/schema.js';
import type { Ui } from '../../src/core/ui.js';
import { TEST_USER } from './sshd.js';

/** SSH config from Packer-style options, defaults applied, as a builder would prepare it. */
export function sshConfig(options: Record<string, unknown>): SshConfig {
  const o = { ssh_host: '127.0.0.1', ssh_username: TEST_USER, ...options };
  const problems = checkSchema({ type: 'object', properties: sshSchemaProperties }, o);
  if (problems.length) throw new Error(problems.map((p) => p.message).join('\n'));
  const errors: string[] = [];
  const cfg = prepareSsh(o, { error: (_p, m) => errors.push(m), warn: () => {} }, { hostRequired: true });
  if (errors.length) throw new Error(errors.join('\n'));
  return cfg;
}

/** A UI that keeps what it was told, for assertions. */
export function recordingUi(): Ui & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    say: (m) => lines.push(`say: ${m}`),
    message: (m) => lines.push(`message: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}
