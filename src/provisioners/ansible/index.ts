import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { OptionCatalogue } from '../../core/option-catalogue.js';
import { catalogueSchema, checkCatalogue } from '../../core/option-catalogue.js';
import type { Provisioner } from '../../core/plugin.js';
import { checkDirectory, checkFile } from '../common/local-paths.js';
import { runAnsible } from './run.js';

export interface AnsibleConfig {
  playbookFile: string;
  command: string;
  extraArguments: string[];
  /** KEY=VALUE pairs for ansible-playbook's environment. */
  envVars: string[];
  sshExtraArgs: string[];
  groups: string[];
  emptyGroups: string[];
  hostAlias: string;
  user: string | undefined;
  useSftp: boolean;
  inventoryFile: string | undefined;
  inventoryDirectory: string | undefined;
  inventoryFileTemplate: string | undefined;
  keepInventoryFile: boolean;
  galaxy: { file: string; command: string; force: boolean; rolesPath?: string; collectionsPath?: string } | undefined;
}

const stringList = { type: 'array', items: { type: 'string' } };
const PROXY_ONLY = "it sets up Packer's SSH proxy, which boxwright does not use: Ansible logs in to the machine itself";

/** Packer 1.6's ansible options that boxwright takes without acting on them. */
const ANSIBLE_CATALOGUE: OptionCatalogue = {
  ignored: {
    local_port: PROXY_ONLY,
    sftp_command: PROXY_ONLY,
    ssh_authorized_key_file: PROXY_ONLY,
    ssh_host_key_file: PROXY_ONLY,
  },
};

/**
 * Runs ansible-playbook on the build host against the machine (Packer's ansible
 * provisioner). Ansible logs in over SSH with the build's own credentials, as Packer's
 * `use_proxy: false`; there is no proxy in between.
 */
export const ansibleProvisioner: Provisioner<AnsibleConfig> = {
  kind: 'provisioner',
  type: 'ansible',
  needsCommunicator: true,
  // Roles, group_vars and host_vars sit beside the playbook as Ansible looks for them.
  localInputs: (c) =>
    [path.dirname(c.playbookFile), c.inventoryFile, c.galaxy?.file].filter((f): f is string => f !== undefined),
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['playbook_file'],
    properties: {
      playbook_file: { type: 'string', minLength: 1 },
      command: { type: 'string' },
      extra_arguments: stringList,
      ansible_env_vars: stringList,
      ansible_ssh_extra_args: stringList,
      groups: stringList,
      empty_groups: stringList,
      host_alias: { type: 'string' },
      user: { type: 'string' },
      use_proxy: { type: 'boolean' },
      use_sftp: { type: 'boolean', default: false },
      skip_version_check: { type: 'boolean', default: false },
      inventory_file: { type: 'string' },
      inventory_directory: { type: 'string' },
      inventory_file_template: { type: 'string' },
      keep_inventory_file: { type: 'boolean', default: false },
      galaxy_file: { type: 'string' },
      galaxy_command: { type: 'string' },
      galaxy_force_install: { type: 'boolean', default: false },
      roles_path: { type: 'string' },
      collections_path: { type: 'string' },
      ...catalogueSchema(ANSIBLE_CATALOGUE),
    },
  },
  lateFields: { inventory_file_template: ['HostAlias', 'Host', 'Port', 'User', 'ID'] },
  prepare(o, ctx) {
    const p = ctx.problems;
    const str = (key: string) => (o[key] as string | undefined) || undefined;
    const list = (key: string) => (o[key] as string[] | undefined) ?? [];
    const playbookFile = o.playbook_file as string;
    checkFile(p, ['playbook_file'], playbookFile);
    for (const key of ['inventory_file', 'galaxy_file']) if (str(key)) checkFile(p, [key], str(key)!);
    if (str('inventory_directory')) checkDirectory(p, ['inventory_directory'], str('inventory_directory')!);
    if (str('inventory_file') && str('inventory_file_template'))
      p.warn(['inventory_file_template'], 'is not used: "inventory_file" names the inventory');
    if (o.use_proxy === true)
      p.warn(
        ['use_proxy'],
        'boxwright has no SSH proxy for Ansible: it logs Ansible in to the machine with the build\'s own SSH credentials (Packer\'s "use_proxy": false)',
      );
    list('ansible_env_vars').forEach((v, i) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v))
        p.error(['ansible_env_vars', i], `"${v}" is not KEY=VALUE`, 'for example "ANSIBLE_NOCOLOR=True"');
    });
    checkCatalogue(o, p, ANSIBLE_CATALOGUE);
    const command = str('command') ?? 'ansible-playbook';
    // As Packer: a missing Ansible is found at validate time, not after the machine was built.
    if (o.skip_version_check !== true) {
      const problem = ansibleVersionProblem(command);
      if (problem)
        p.error(
          ['command'],
          problem,
          'install Ansible on this host (Debian: apt-get install ansible-core), or set "skip_version_check": true',
        );
    }
    const galaxyFile = str('galaxy_file');
    return {
      playbookFile: path.resolve(playbookFile),
      command,
      extraArguments: list('extra_arguments'),
      envVars: list('ansible_env_vars'),
      sshExtraArgs: list('ansible_ssh_extra_args'),
      groups: list('groups'),
      emptyGroups: list('empty_groups'),
      hostAlias: str('host_alias') ?? 'default',
      user: str('user'),
      useSftp: o.use_sftp === true,
      inventoryFile: str('inventory_file'),
      inventoryDirectory: str('inventory_directory'),
      inventoryFileTemplate: str('inventory_file_template'),
      keepInventoryFile: o.keep_inventory_file === true,
      galaxy: galaxyFile
        ? {
            file: galaxyFile,
            command: str('galaxy_command') ?? 'ansible-galaxy',
            force: o.galaxy_force_install === true,
            rolesPath: str('roles_path'),
            collectionsPath: str('collections_path'),
          }
        : undefined,
    };
  },
  provision: runAnsible,
};

/** Why `command --version` does not show a usable Ansible, or undefined when it does. */
function ansibleVersionProblem(command: string): string | undefined {
  let out: string;
  try {
    out = execFileSync(command, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ENOENT'
      ? `"${command}" was not found on this host`
      : `"${command} --version" failed: ${e.message}`;
  }
  return /\w (\d+\.\d+[.\d]*)/.test(out) ? undefined : `"${command} --version" did not print a version`;
}
