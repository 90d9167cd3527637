import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProvisionContext, Provisioner } from '../../core/plugin.js';
import { lastOutputSection, RecentLines } from '../../util/recent-lines.js';
import { shellQuote } from '../../util/shell-quote.js';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';
import { checkDirectory, checkFile } from '../common/local-paths.js';

interface AnsibleLocalConfig {
  command: string;
  extraArguments: string[];
  playbookFile: string | undefined;
  /** Absolute paths; each runs in turn. */
  playbookFiles: string[];
  playbookDir: string | undefined;
  playbookPaths: string[];
  rolePaths: string[];
  groupVars: string | undefined;
  hostVars: string | undefined;
  inventoryFile: string | undefined;
  inventoryGroups: string[];
  galaxyFile: string | undefined;
  galaxyCommand: string;
  /** staging_directory; unset, a fresh one is chosen for each run (so that checkpoint keys stay the same). */
  stagingDir: string | undefined;
  cleanStagingDir: boolean;
}

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } };
const DEFAULT_COMMAND = 'ANSIBLE_FORCE_COLOR=1 PYTHONUNBUFFERED=1 ansible-playbook';

/**
 * Uploads playbooks, roles and variables to the machine and runs ansible-playbook there
 * against itself (Packer's ansible-local): Ansible must be installed on the machine.
 */
export const ansibleLocalProvisioner: Provisioner<AnsibleLocalConfig> = {
  kind: 'provisioner',
  type: 'ansible-local',
  needsCommunicator: true,
  localInputs: (c) =>
    [
      c.playbookFile,
      ...c.playbookFiles,
      c.playbookDir,
      ...c.playbookPaths,
      ...c.rolePaths,
      c.groupVars,
      c.hostVars,
      c.inventoryFile,
      c.galaxyFile,
    ].filter((f): f is string => f !== undefined),
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      command: { type: 'string' },
      extra_arguments: stringList,
      playbook_file: { type: 'string' },
      playbook_files: stringList,
      playbook_dir: { type: 'string' },
      playbook_paths: stringList,
      role_paths: stringList,
      group_vars: { type: 'string' },
      host_vars: { type: 'string' },
      inventory_file: { type: 'string' },
      inventory_groups: stringList,
      galaxy_file: { type: 'string' },
      galaxy_command: { type: 'string' },
      staging_directory: { type: 'string' },
      clean_staging_directory: { type: 'boolean', default: false },
    },
  },
  prepare(o, ctx) {
    const p = ctx.problems;
    const str = (key: string) => (o[key] as string | undefined) || undefined;
    const list = (key: string) => (o[key] as string[] | undefined) ?? [];
    const playbookFile = str('playbook_file');
    const playbookFiles = list('playbook_files');
    if (playbookFile && playbookFiles.length)
      p.error(['playbook_files'], '"playbook_file" and "playbook_files" cannot be used together', 'keep one of them');
    if (!playbookFile && !playbookFiles.length)
      p.error([], 'needs "playbook_file" or "playbook_files"', 'for example "playbook_file": "site.yml"');
    if (playbookFile) checkFile(p, ['playbook_file'], playbookFile);
    playbookFiles.forEach((f, i) => checkFile(p, ['playbook_files', i], f));
    for (const key of ['inventory_file', 'galaxy_file']) if (str(key)) checkFile(p, [key], str(key)!);
    for (const key of ['playbook_dir', 'group_vars', 'host_vars']) if (str(key)) checkDirectory(p, [key], str(key)!);
    for (const key of ['playbook_paths', 'role_paths']) list(key).forEach((d, i) => checkDirectory(p, [key, i], d));
    return {
      command: str('command') ?? DEFAULT_COMMAND,
      extraArguments: list('extra_arguments'),
      playbookFile,
      playbookFiles: playbookFiles.map((f) => path.resolve(f)),
      playbookDir: str('playbook_dir'),
      playbookPaths: list('playbook_paths'),
      rolePaths: list('role_paths'),
      groupVars: str('group_vars'),
      hostVars: str('host_vars'),
      inventoryFile: str('inventory_file'),
      inventoryGroups: list('inventory_groups'),
      galaxyFile: str('galaxy_file'),
      galaxyCommand: str('galaxy_command') ?? 'ansible-galaxy',
      // Packer's default: a fresh directory per run under one parent.
      stagingDir: str('staging_directory'),
      cleanStagingDir: o.clean_staging_directory === true,
    };
  },
  async provision(config, ctx) {
    ctx.ui.say('Provisioning with Ansible...');
    const staging = config.stagingDir ?? `/tmp/packer-provisioner-ansible-local/${randomUUID()}`;
    const remote = (...parts: string[]) => path.posix.join(staging, ...parts);
    const upload = async (what: string, local: string, target: string) => {
      ctx.ui.message(`Uploading ${what}: ${local} => ${target}`);
      await ctx.communicator.upload(local, target, { signal: ctx.signal });
    };
    const uploadDir = async (what: string, local: string, target: string) => {
      ctx.ui.message(`Uploading ${what}: ${local} => ${target}`);
      await run(ctx, `mkdir -p ${shellQuote(target)}`, `creating ${target}`);
      await ctx.communicator.uploadDir(local, target, { signal: ctx.signal });
    };

    if (config.playbookDir) await uploadDir('the playbook directory', config.playbookDir, staging);
    else await run(ctx, `mkdir -p ${shellQuote(staging)}`, `creating the staging directory ${staging}`);

    // Playbooks inside playbook_dir are there already; the others keep their absolute path under the staging directory.
    const playbookDir = config.playbookDir ? path.resolve(config.playbookDir) : undefined;
    const playbooks: string[] = [];
    if (config.playbookFile) {
      const target = remote(path.basename(config.playbookFile));
      await upload('the playbook', config.playbookFile, target);
      playbooks.push(target);
    }
    for (const file of config.playbookFiles) {
      const inside = playbookDir && file.startsWith(playbookDir + path.sep);
      const target = remote(inside ? path.relative(playbookDir, file) : file);
      if (!inside) {
        await run(ctx, `mkdir -p ${shellQuote(path.posix.dirname(target))}`, `creating ${path.posix.dirname(target)}`);
        await upload('the playbook', file, target);
      }
      playbooks.push(target);
    }

    const inventory = remote(
      config.inventoryFile ? path.basename(config.inventoryFile) : 'packer-provisioner-ansible-local-inventory',
    );
    if (config.inventoryFile) await upload('the inventory', config.inventoryFile, inventory);
    else {
      const scratch = await makeTempDir('ansible-local');
      try {
        const local = path.join(scratch, 'inventory');
        const groups = config.inventoryGroups;
        await writeFile(local, groups.length ? groups.map((g) => `[${g}]\n127.0.0.1\n`).join('') : '127.0.0.1\n');
        await upload('the inventory', local, inventory);
      } finally {
        await removeTempDir(scratch);
      }
    }
    if (config.galaxyFile) await upload('the galaxy file', config.galaxyFile, remote(path.basename(config.galaxyFile)));
    if (config.groupVars) await uploadDir('group_vars', config.groupVars, remote('group_vars'));
    if (config.hostVars) await uploadDir('host_vars', config.hostVars, remote('host_vars'));
    for (const role of config.rolePaths)
      await uploadDir('a role', role, remote('roles', path.basename(path.resolve(role))));
    for (const dir of config.playbookPaths)
      await uploadDir('playbooks', dir, remote('playbooks', path.basename(path.resolve(dir))));

    if (config.galaxyFile) {
      const file = remote(path.basename(config.galaxyFile));
      await run(
        ctx,
        `cd ${shellQuote(staging)} && ${config.galaxyCommand} install -r ${shellQuote(file)} -p ${shellQuote(remote('roles'))}`,
        'ansible-galaxy',
        config.galaxyCommand,
      );
    }

    const extraVars = [
      `packer_build_name=${ctx.packerBuildName}`,
      `packer_builder_type=${ctx.buildType}`,
      ...(ctx.generated.PACKER_HTTP_ADDR ? [`packer_http_addr=${ctx.generated.PACKER_HTTP_ADDR}`] : []),
    ].join(' ');
    for (const playbook of playbooks) {
      // extra_arguments go in as written, as Packer passes them to the shell.
      const command = [
        `cd ${shellQuote(staging)} &&`,
        config.command,
        shellQuote(playbook),
        '--extra-vars',
        shellQuote(extraVars),
        ...config.extraArguments,
        '-c local -i',
        shellQuote(inventory),
      ].join(' ');
      await run(ctx, command, `ansible-playbook ${playbook}`, config.command);
    }

    if (config.cleanStagingDir) {
      ctx.ui.message(`Removing the staging directory ${staging}...`);
      await run(ctx, `rm -rf ${shellQuote(staging)}`, `removing ${staging}`);
    }
  },
};

/** Runs a command on the machine with its output shown; a failure names what it was for. */
async function run(ctx: ProvisionContext, command: string, what: string, program?: string): Promise<void> {
  ctx.log(`ansible-local: ${command}`);
  const recent = new RecentLines(10);
  const show = (line: string) => {
    recent.push(line);
    ctx.ui.message(line);
  };
  const result = await ctx.communicator.exec(command, { signal: ctx.signal, onStdout: show, onStderr: show });
  if (result.exitCode === 0) return;
  if (result.exitCode === 127 && program)
    throw new Error(
      `${program.split(' ').pop()} was not found on the machine (exit code 127): ansible-local runs Ansible on the machine itself; install it in a provisioner before this one (for example "apt-get install -y ansible-core"), or use the ansible provisioner, which runs it here`,
    );
  const how =
    result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
  throw new Error(`${what} ${how}${lastOutputSection(recent.lines)}`);
}
