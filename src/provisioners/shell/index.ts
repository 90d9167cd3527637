import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { DisconnectedError, type ExecResult } from '../../core/communicator.js';
import { shellQuote } from '../../util/shell-quote.js';
import { lastOutputSection, RecentLines } from '../../util/recent-lines.js';
import {
  environment,
  envVarFormat,
  flattenVars,
  formatVars,
  inlineScript,
  scriptSources,
} from '../common/script-options.js';
import { parseGoDuration, formatElapsed } from '../../base/duration.js';
import { CancelledError, messageOf, sleep } from '../../base/errors.js';
import type { ProvisionContext, Provisioner } from '../../core/plugin.js';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';

interface ShellConfig {
  inline: string[] | undefined;
  scripts: string[];
  environmentVars: [string, string][];
  executeCommand: string;
  remoteFolder: string;
  remoteFile: string | undefined;
  remotePath: string | undefined;
  inlineShebang: string;
  skipClean: boolean;
  expectDisconnect: boolean;
  validExitCodes: number[];
  pauseAfterMs: number;
  startRetryTimeoutMs: number;
  useEnvVarFile: boolean;
  /** Packer's env_var_format, when the template sets one. */
  envVarFormat: string | undefined;
}

const stringList = { type: 'array', items: { type: 'string' } };
const DEFAULT_EXECUTE = 'chmod +x {{.Path}}; {{.Vars}} {{.Path}}';
const ENV_FILE_EXECUTE = 'chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}';

/** Runs scripts on the machine over the communicator (Packer's shell provisioner). */
export const shellProvisioner: Provisioner<ShellConfig> = {
  kind: 'provisioner',
  type: 'shell',
  needsCommunicator: true,
  localInputs: (config) => config.scripts,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      inline: stringList,
      script: { type: 'string', minLength: 1 },
      scripts: stringList,
      environment_vars: stringList,
      env: { type: 'object', additionalProperties: { type: 'string' } },
      execute_command: { type: 'string', minLength: 1 },
      remote_folder: { type: 'string', minLength: 1, default: '/tmp' },
      remote_file: { type: 'string', minLength: 1 },
      remote_path: { type: 'string', minLength: 1 },
      inline_shebang: { type: 'string', default: '/bin/sh -e' },
      skip_clean: { type: 'boolean', default: false },
      expect_disconnect: { type: 'boolean', default: false },
      valid_exit_codes: { type: 'array', items: { type: 'integer' }, default: [0] },
      pause_after: { type: 'string', format: 'duration', default: '0s' },
      start_retry_timeout: { type: 'string', format: 'duration', default: '5m' },
      use_env_var_file: { type: 'boolean', default: false },
      env_var_format: { type: 'string', minLength: 1 },
      binary: { type: 'boolean' },
    },
  },
  lateFields: { execute_command: ['Vars', 'Path', 'EnvVarFile'] },
  prepare(o, ctx) {
    const scripts = scriptSources(o, ctx.problems, ['inline', 'script', 'scripts']);
    const environmentVars = environment(o, ctx.problems);
    if (o.remote_path !== undefined && scripts.length > 1)
      ctx.problems.error(
        ['remote_path'],
        'one remote_path cannot hold several scripts',
        'use remote_folder, or one provisioner per script',
      );
    const useEnvVarFile = o.use_env_var_file as boolean;
    return {
      inline: o.inline as string[] | undefined,
      scripts,
      environmentVars,
      executeCommand: (o.execute_command as string | undefined) ?? (useEnvVarFile ? ENV_FILE_EXECUTE : DEFAULT_EXECUTE),
      remoteFolder: o.remote_folder as string,
      remoteFile: o.remote_file as string | undefined,
      remotePath: o.remote_path as string | undefined,
      inlineShebang: o.inline_shebang as string,
      skipClean: o.skip_clean as boolean,
      expectDisconnect: o.expect_disconnect as boolean,
      validExitCodes: o.valid_exit_codes as number[],
      pauseAfterMs: parseGoDuration(o.pause_after as string) ?? 0,
      startRetryTimeoutMs: parseGoDuration(o.start_retry_timeout as string) ?? 300_000,
      useEnvVarFile,
      envVarFormat: envVarFormat(o, ctx.problems),
    };
  },
  async provision(config, ctx) {
    const vars: Record<string, string> = {
      PACKER_BUILD_NAME: ctx.packerBuildName,
      PACKER_BUILDER_TYPE: ctx.buildType,
      ...ctx.generated,
      ...Object.fromEntries(config.environmentVars),
    };
    const flat = config.envVarFormat ? formatVars(config.envVarFormat, vars) : flattenVars(vars);
    const local = await makeTempDir('shell');
    try {
      const scripts = config.scripts.map((file) => ({ file, label: file }));
      if (config.inline) {
        const file = path.join(local, 'inline.sh');
        await writeFile(file, inlineScript(config.inlineShebang, config.inline));
        scripts.unshift({ file, label: `inline commands (${config.inline.length})` });
      }
      for (const { file, label } of scripts) {
        const remotePath =
          config.remotePath ??
          path.posix.join(config.remoteFolder, config.remoteFile ?? `script_${randomInt(1000, 10_000)}.sh`);
        ctx.ui.say(`Provisioning with shell script: ${label}`);
        await runScript(config, ctx, file, label, remotePath, flat, vars);
      }
    } finally {
      await removeTempDir(local);
    }
    if (config.pauseAfterMs > 0) {
      ctx.ui.say(`Pausing ${formatElapsed(config.pauseAfterMs)} after this provisioner...`);
      await sleep(config.pauseAfterMs, ctx.signal);
    }
  },
};

async function runScript(
  config: ShellConfig,
  ctx: ProvisionContext,
  file: string,
  label: string,
  remotePath: string,
  flat: string,
  vars: Record<string, string>,
): Promise<void> {
  const comm = ctx.communicator;
  const envVarFile = config.useEnvVarFile
    ? path.posix.join(config.remoteFolder, `varfile_${randomInt(1000, 10_000)}.sh`)
    : '';
  const command = ctx.render(config.executeCommand, { Vars: flat, Path: remotePath, EnvVarFile: envVarFile });
  ctx.log(`shell: running ${command}`);
  const leftovers = config.skipClean ? [] : [remotePath, envVarFile].filter(Boolean);
  // Where the command goes to /bin/sh, the script is removed by the same command that runs
  // it: one round trip fewer per script (an exec costs about 45 ms in a container). Not when
  // the machine may drop the connection mid-script, since nothing after that would run.
  const removedInCommand = leftovers.length > 0 && comm.runsPosixShell === true && !config.expectDisconnect;
  const sent = removedInCommand ? thenRemove(command, leftovers) : command;
  const tail = new RecentLines(10);
  const show = (line: string) => {
    tail.push(line);
    ctx.ui.message(line);
  };
  let result: ExecResult | undefined;
  try {
    result = await runWithScript(config, ctx, file, remotePath, sent, show);
    if (!result) {
      await uploadScript(config, ctx, file, remotePath, envVarFile, vars);
      result = await comm.exec(sent, { signal: ctx.signal, onStdout: show, onStderr: show });
    }
  } catch (err) {
    if (err instanceof DisconnectedError && config.expectDisconnect) {
      ctx.ui.say('The machine disconnected, as expect_disconnect said it might. Continuing.');
      return;
    }
    throw err;
  }
  if (result.exitCode === null || !config.validExitCodes.includes(result.exitCode)) {
    const how =
      result.exitCode === null
        ? `was killed by signal ${result.signal ?? 'unknown'}`
        : `exited with code ${result.exitCode}`;
    throw new Error(
      `script ${label} ${how} on the machine (allowed exit codes: ${config.validExitCodes.join(', ')})${lastOutputSection(tail.lines)}`,
    );
  }
  if (leftovers.length > 0 && !removedInCommand) {
    const targets = leftovers.map(shellQuote).join(' ');
    const cleaned = await comm
      .exec(`rm -f ${targets}`, { signal: ctx.signal })
      .catch((err) => ({ exitCode: -1, error: messageOf(err) }));
    if (cleaned.exitCode !== 0) ctx.ui.error(`Could not remove ${remotePath} from the machine; it stays there.`);
  }
}

/** Scripts up to this size travel in the command that runs them, on its standard input. */
const SCRIPT_IN_COMMAND_MAX_BYTES = 1024 * 1024;

/**
 * Writes the script and runs `command` in one round trip, the script arriving on the
 * command's standard input, where the communicator allows it. Undefined when it does not,
 * or when the script could not be written that way (a remote_folder only root may write
 * to, say): the caller then uploads it the usual way, which says what is wrong.
 */
async function runWithScript(
  config: ShellConfig,
  ctx: ProvisionContext,
  file: string,
  remotePath: string,
  command: string,
  show: (line: string) => void,
): Promise<ExecResult | undefined> {
  const comm = ctx.communicator;
  if (!comm.runsPosixShell || !comm.takesInput || config.useEnvVarFile) return undefined;
  const info = await stat(file);
  if (info.size > SCRIPT_IN_COMMAND_MAX_BYTES) return undefined;
  const script = await readFile(file);
  // A line no script prints: it says the script is written and the command begins.
  const written = `boxwright-script-written-${randomBytes(8).toString('hex')}`;
  const target = shellQuote(remotePath);
  let began = false;
  const early: string[] = [];
  let result: ExecResult;
  try {
    result = await comm.exec(
      [`cat > ${target} && chmod 0755 ${target} || exit 1`, `echo ${written}`, command].join('\n'),
      {
        signal: ctx.signal,
        input: script,
        onStdout: (line) => {
          if (began) return show(line);
          if (line !== written) return early.push(line);
          began = true;
          // What the command wrote to stderr before this line was read: its own, now shown.
          early.splice(0).forEach(show);
        },
        onStderr: (line) => (began ? show(line) : early.push(line)),
      },
    );
  } catch (err) {
    // Once the command began, what happened to it is the answer; before, the usual upload
    // tries again (it waits for a machine that is still coming back from a reboot).
    if (began || err instanceof CancelledError || ctx.signal.aborted) throw err;
    early.push(messageOf(err));
    result = { exitCode: null };
  }
  if (began) return result;
  ctx.log(`shell: could not write ${remotePath} with the command (${early.join(' / ') || 'no output'}); uploading it`);
  return undefined;
}

/** Uploads the script (and the variables file) the usual way, retrying until start_retry_timeout. */
async function uploadScript(
  config: ShellConfig,
  ctx: ProvisionContext,
  file: string,
  remotePath: string,
  envVarFile: string,
  vars: Record<string, string>,
): Promise<void> {
  const comm = ctx.communicator;
  // The machine may still be coming back from a reboot: keep trying to start until start_retry_timeout.
  await retryStart(config.startRetryTimeoutMs, ctx, async () => {
    await comm.upload(file, remotePath, { signal: ctx.signal, mode: 0o755 });
    if (envVarFile) {
      const envLocal = `${file}.env`;
      await writeFile(
        envLocal,
        config.envVarFormat
          ? formatVars(config.envVarFormat, vars)
          : Object.entries(vars)
              .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
              .join(''),
      );
      await comm.upload(envLocal, envVarFile, { signal: ctx.signal, mode: 0o600 });
    }
  });
}

/**
 * `command` followed by the removal of `files`, keeping the command's exit status. The
 * subshell holds whatever the command does to its shell (an exit, an exec), and the
 * newlines end any comment on its last line.
 */
export function thenRemove(command: string, files: string[]): string {
  const targets = files.map(shellQuote).join(' ');
  const named = files.join(' and ');
  return [
    '(',
    command,
    ')',
    'boxwright_status=$?',
    `rm -f ${targets} || echo ${shellQuote(`Could not remove ${named} from the machine; it stays there.`)} >&2`,
    'exit $boxwright_status',
  ].join('\n');
}

async function retryStart(timeoutMs: number, ctx: ProvisionContext, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof CancelledError || ctx.signal.aborted) throw err;
      if (Date.now() + delay > deadline)
        throw new Error(
          `could not upload the script within start_retry_timeout (${formatElapsed(timeoutMs)}): ${messageOf(err)}`,
        );
      ctx.log(`shell: start failed, retrying: ${messageOf(err)}`);
      await sleep(delay, ctx.signal);
    }
  }
}
