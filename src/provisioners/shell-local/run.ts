import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunContext } from '../../core/plugin.js';
import { runLocalCommand, stringEnv } from '../../util/process-group.js';
import { lastOutputSection } from '../../util/recent-lines.js';
import { flattenVars, formatVars, inlineScript } from '../common/script-options.js';
import type { ShellLocalConfig } from './config.js';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';

const GO_OS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
  sunos: 'solaris',
};

/** Runs shell-local's scripts on the build host; `extraEnv` adds post-processor details. */
export async function runShellLocal(
  config: ShellLocalConfig,
  ctx: RunContext,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const os = GO_OS[process.platform] ?? process.platform;
  if (config.onlyOn && !config.onlyOn.includes(os)) {
    ctx.ui.say(`Skipping shell-local: it runs only on ${config.onlyOn.join(', ')}, and this is ${os}`);
    return;
  }
  const vars: Record<string, string> = {
    PACKER_BUILD_NAME: ctx.packerBuildName,
    PACKER_BUILDER_TYPE: ctx.buildType,
    BOXWRIGHT_BUILD_NAME: ctx.buildName,
    BOXWRIGHT_BUILDER_TYPE: ctx.buildType,
    ...extraEnv,
    ...Object.fromEntries(config.environmentVars),
  };
  const flatVars = config.envVarFormat ? formatVars(config.envVarFormat, vars) : flattenVars(vars);

  const tempDir = await makeTempDir('shell-local');
  try {
    const scripts = config.scripts.map((file) => ({ file, label: file }));
    if (config.inline) {
      const inlinePath = path.join(tempDir, `inline${config.tempfileExtension}`);
      await writeFile(inlinePath, inlineScript(config.inlineShebang, config.inline));
      await chmod(inlinePath, 0o700);
      scripts.unshift({ file: inlinePath, label: `inline commands (${config.inline.length})` });
    }
    for (const { file: script, label } of scripts) {
      const absolute = path.resolve(script);
      ctx.ui.say(`Running local shell script: ${label}`);
      const command = config.executeCommand.map((part) =>
        ctx.render(part, { Vars: flatVars, Script: absolute, Command: absolute }),
      );
      ctx.log(`shell-local: running ${JSON.stringify(command)}`);
      const result = await runLocalCommand(command, {
        env: { ...stringEnv(process.env), ...vars },
        signal: ctx.signal,
        onStdout: (line) => ctx.ui.message(line),
        onStderr: (line) => ctx.ui.message(line),
      });
      if (result.exitCode === undefined || !config.validExitCodes.includes(result.exitCode)) {
        const how =
          result.exitCode === undefined
            ? `was killed by ${result.signal ?? 'a signal'}`
            : `exited with code ${result.exitCode}`;
        throw new Error(
          `local script ${label} ${how} (allowed exit codes: ${config.validExitCodes.join(', ')})${lastOutputSection(result.tail.slice(-10))}`,
        );
      }
    }
  } finally {
    await removeTempDir(tempDir);
  }
}
