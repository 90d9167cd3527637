import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SshLogin } from '../../core/communicator.js';
import type { ProvisionContext } from '../../core/plugin.js';
import { runLocalCommand, stringEnv } from '../../util/process-group.js';
import { lastOutputSection } from '../../util/recent-lines.js';
import { makeTempDir, removeTempDir } from '../../util/temp-dir.js';
import type { AnsibleConfig } from './index.js';

const DEFAULT_INVENTORY =
  '{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} ansible_port={{ .Port }}\n';

/** Runs the playbook from this host against the machine, logged in as the build is. */
export async function runAnsible(config: AnsibleConfig, ctx: ProvisionContext): Promise<void> {
  ctx.ui.say('Provisioning with Ansible...');
  const login = ctx.communicator.sshLogin?.();
  if (!login)
    throw new Error(
      `the ansible provisioner needs an SSH communicator, and this build's is ${ctx.communicator.type}: boxwright has no SSH proxy for Ansible yet; use ansible-local, which runs Ansible on the machine, or give the machine an SSH server`,
    );
  if (login.bastion)
    throw new Error(
      'the ansible provisioner through ssh_bastion_host is not supported by boxwright yet: set "ansible_ssh_extra_args" to ["-o ProxyJump=USER@HOST:PORT"] and remove the bastion, or use ansible-local',
    );
  if (config.user && config.user !== login.username)
    ctx.ui.message(
      `"user" is "${config.user}", but Ansible logs in as the build's SSH user "${login.username}" (boxwright has no proxy that would take any name)`,
    );

  const scratch = await makeTempDir('ansible');
  const controlDir = path.join(scratch, 'cp');
  let written: string | undefined;
  try {
    if (!config.inventoryFile) written = await writeInventory(config, login, ctx, scratch);
    const inventory = config.inventoryFile ?? written!;
    const env = environment(config, controlDir);
    if (config.galaxy) await runGalaxy(config.galaxy, env, ctx);
    const args = await playbookArgs(config, login, ctx, inventory, scratch);
    ctx.ui.say(`Executing Ansible: ${[config.command, ...args].join(' ')}`);
    await runHostCommand([config.command, ...args], env, ctx, `ansible-playbook ${path.basename(config.playbookFile)}`);
  } finally {
    await closeControlMasters(controlDir, ctx);
    if (written && !config.keepInventoryFile) await rm(written, { force: true });
    await removeTempDir(scratch);
  }
}

/** Writes the inventory of the one machine and its groups into inventory_directory, else a kept one into the temp directory. */
async function writeInventory(
  config: AnsibleConfig,
  login: SshLogin,
  ctx: ProvisionContext,
  scratch: string,
): Promise<string> {
  const host = ctx.render(config.inventoryFileTemplate ?? DEFAULT_INVENTORY, {
    HostAlias: config.hostAlias,
    Host: login.host,
    Port: String(login.port),
    User: login.username,
    ID: ctx.buildName,
  });
  const text = [
    host,
    ...config.groups.map((group) => `[${group}]\n${host}`),
    ...config.emptyGroups.map((group) => `[${group}]\n`),
  ].join('');
  const file = path.resolve(
    config.inventoryDirectory ?? (config.keepInventoryFile ? tmpdir() : scratch),
    `boxwright-ansible-inventory-${randomBytes(4).toString('hex')}`,
  );
  await writeFile(file, text);
  if (config.keepInventoryFile) ctx.ui.message(`Keeping the inventory file: ${file}`);
  return file;
}

/** ansible-playbook's arguments, in Packer's order: its variables, the login, the user's, the inventory and playbook. */
async function playbookArgs(
  config: AnsibleConfig,
  login: SshLogin,
  ctx: ProvisionContext,
  inventory: string,
  scratch: string,
): Promise<string[]> {
  const args = ['-e', `packer_build_name="${ctx.packerBuildName}"`, '-e', `packer_builder_type=${ctx.buildType}`];
  if (ctx.generated.PACKER_HTTP_ADDR) args.push('-e', `packer_http_addr=${ctx.generated.PACKER_HTTP_ADDR}`);
  if (login.privateKeyFile)
    args.push('--ssh-extra-args', config.sshExtraArgs.length ? config.sshExtraArgs.join(' ') : '-o IdentitiesOnly=yes');
  args.push(...config.extraArguments);
  const userSetPassword = config.extraArguments.some((a) => a.includes('ansible_password'));
  if (login.privateKeyFile && !userSetPassword) args.push('-e', `ansible_ssh_private_key_file=${login.privateKeyFile}`);
  else if (login.password !== undefined && !userSetPassword) {
    // In a file, not on the command line, where every process on the host could read it.
    const vars = path.join(scratch, 'login.json');
    await writeFile(vars, JSON.stringify({ ansible_password: login.password }), { mode: 0o600 });
    args.push('-e', `@${vars}`);
  }
  args.push('-i', inventory, config.playbookFile);
  return args;
}

/** The environment Packer gives ansible-playbook, plus a control-master directory this run owns. */
function environment(config: AnsibleConfig, controlDir: string): Record<string, string> {
  const env = stringEnv(process.env);
  env.ANSIBLE_HOST_KEY_CHECKING = 'False';
  if (!config.useSftp) env.ANSIBLE_SCP_IF_SSH = 'True';
  // Ansible's own default SSH arguments, but not remembering the machine's host key: the next
  // build's machine answers on the same address with another key. Its control masters live in
  // this run's directory, so that they can be closed when the run ends.
  env.ANSIBLE_SSH_ARGS = '-C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null';
  env.ANSIBLE_SSH_CONTROL_PATH_DIR = controlDir;
  for (const pair of config.envVars) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

async function runGalaxy(
  galaxy: NonNullable<AnsibleConfig['galaxy']>,
  env: Record<string, string>,
  ctx: ProvisionContext,
): Promise<void> {
  const sections = galaxySections(galaxy.file);
  const force = galaxy.force ? ['-f'] : [];
  if (sections.roles)
    await runHostCommand(
      [galaxy.command, 'install', '-r', galaxy.file, ...force, ...(galaxy.rolesPath ? ['-p', galaxy.rolesPath] : [])],
      env,
      ctx,
      'ansible-galaxy (roles)',
    );
  if (sections.collections)
    await runHostCommand(
      [
        galaxy.command,
        'collection',
        'install',
        '-r',
        galaxy.file,
        ...force,
        ...(galaxy.collectionsPath ? ['-p', galaxy.collectionsPath] : []),
      ],
      env,
      ctx,
      'ansible-galaxy (collections)',
    );
}

async function runHostCommand(
  command: string[],
  env: Record<string, string>,
  ctx: ProvisionContext,
  what: string,
): Promise<void> {
  ctx.log(`ansible: running ${JSON.stringify(command)}`);
  const result = await runLocalCommand(command, {
    env,
    signal: ctx.signal,
    onStdout: (line) => ctx.ui.message(line),
    onStderr: (line) => ctx.ui.message(line),
  });
  if (result.exitCode === 0) return;
  const how =
    result.exitCode === undefined
      ? `was killed by ${result.signal ?? 'a signal'}`
      : `exited with code ${result.exitCode}`;
  throw new Error(`${what} ${how}${lastOutputSection(result.tail.slice(-10))}`);
}

/** Ends the SSH control masters Ansible left running in the background (ControlPersist). */
async function closeControlMasters(controlDir: string, ctx: ProvisionContext): Promise<void> {
  const sockets = await readdir(controlDir).catch(() => []);
  for (const socket of sockets) {
    await promisify(execFile)('ssh', ['-O', 'exit', '-o', `ControlPath=${path.join(controlDir, socket)}`, 'machine'], {
      timeout: 10_000,
    }).catch((err: Error) => ctx.log(`ansible: closing the control master ${socket}: ${err.message}`));
  }
}

/** The galaxy file's sections, as Packer reads them: roles unless only collections are listed. */
function galaxySections(file: string): { roles: boolean; collections: boolean } {
  const text = readFileSync(file, 'utf8');
  const roles = /^roles:/m.test(text);
  const collections = /^collections:/m.test(text);
  return { roles: roles || !collections, collections };
}
