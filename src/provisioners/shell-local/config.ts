import type { PrepareContext } from '../../core/plugin.js';
import { environment, envVarFormat, scriptSources } from '../common/script-options.js';

/** Options shared by the shell-local provisioner and post-processor (Packer's names). */
export interface ShellLocalConfig {
  /** Inline commands, written to one temporary script. */
  inline: string[] | undefined;
  /** Script files, run one after another. */
  scripts: string[];
  environmentVars: [string, string][];
  /** Packer's env_var_format, when the template sets one. */
  envVarFormat: string | undefined;
  executeCommand: string[];
  inlineShebang: string;
  onlyOn: string[] | undefined;
  validExitCodes: number[];
  tempfileExtension: string;
}

const stringList = { type: 'array', items: { type: 'string' } };

export const shellLocalSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    command: { type: 'string', description: '"echo hello"' },
    inline: stringList,
    script: { type: 'string' },
    scripts: stringList,
    environment_vars: stringList,
    env: { type: 'object', additionalProperties: { type: 'string' } },
    execute_command: { ...stringList, minItems: 1, default: ['/bin/sh', '-c', '{{.Vars}} {{.Script}}'] },
    inline_shebang: { type: 'string', default: '/bin/sh -e' },
    only_on: stringList,
    use_linux_pathing: { type: 'boolean' },
    env_var_format: { type: 'string', minLength: 1 },
    valid_exit_codes: { type: 'array', items: { type: 'integer' }, default: [0] },
    tempfile_extension: { type: 'string', default: '' },
  },
};

export const shellLocalLateFields = { execute_command: ['Vars', 'Script', 'Command'] } as const;

const KNOWN_OS = ['linux', 'darwin', 'windows', 'freebsd', 'openbsd', 'netbsd', 'solaris'];

/** Checks the options every problem at once; exactly one of command, inline, script, scripts. */
export function prepareShellLocal(o: Record<string, unknown>, ctx: PrepareContext): ShellLocalConfig {
  const scripts = scriptSources(o, ctx.problems, ['command', 'inline', 'script', 'scripts']);
  const environmentVars = environment(o, ctx.problems);
  const onlyOn = o.only_on as string[] | undefined;
  onlyOn?.forEach((os, i) => {
    if (!KNOWN_OS.includes(os))
      ctx.problems.error(
        ['only_on', i],
        `"${os}" is not an operating system name`,
        `use Go's names: ${KNOWN_OS.join(', ')}`,
      );
  });
  const inline = o.command !== undefined ? [o.command as string] : (o.inline as string[] | undefined);
  return {
    inline,
    scripts,
    environmentVars,
    envVarFormat: envVarFormat(o, ctx.problems),
    executeCommand: o.execute_command as string[],
    inlineShebang: o.inline_shebang as string,
    onlyOn,
    validExitCodes: o.valid_exit_codes as number[],
    tempfileExtension: o.tempfile_extension as string,
  };
}
