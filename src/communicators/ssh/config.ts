import { existsSync, readFileSync } from 'node:fs';
import { ssh2Library } from '../../util/ssh2-library.js';
import { parseGoDuration } from '../../base/duration.js';
import type { SshLogin } from '../../core/communicator.js';
import type { ConfigProblems } from '../../core/plugin.js';
import { catalogueSchema, checkCatalogue, type OptionCatalogue } from '../../core/option-catalogue.js';

/** SSH options that hold passwords, for a builder's `secretOptions`. */
export const SSH_SECRET_OPTIONS = ['ssh_password', 'ssh_bastion_password'] as const;

/** A host to hop through on the way to the machine, logged in to as the machine is. */
export type BastionConfig = Omit<SshLogin, 'bastion'>;

/** Everything needed to reach a machine over SSH, typed and defaulted. */
export interface SshConfig {
  /** Undefined when the builder fills it in (a VM's forwarded port). */
  host: string | undefined;
  port: number;
  username: string;
  password: string | undefined;
  privateKeyFile: string | undefined;
  agentAuth: boolean;
  timeoutMs: number;
  handshakeAttempts: number;
  pty: boolean;
  keepAliveIntervalMs: number;
  readWriteTimeoutMs: number;
  bastion: BastionConfig | undefined;
  fileTransferMethod: 'sftp' | 'scp';
  disableAgentForwarding: boolean;
  temporaryKeyPair: { type: 'rsa' | 'ed25519'; bits: number };
  /** ssh_ciphers and ssh_key_exchange_algorithms: offered instead of ssh2's defaults when set. */
  ciphers: string[] | undefined;
  keyExchanges: string[] | undefined;
  /** pause_before_connecting: once SSH first answers, wait this long and connect again. */
  pauseBeforeConnectingMs: number;
}

const NO_PROXY = { why: 'SOCKS proxies are not used', instead: 'use ssh_bastion_host to go through a jump host' };
const NO_TUNNELS = { why: 'tunnels are not opened', instead: 'remove it, or open the tunnel in a provisioner' };

/** Packer 1.6's SSH options boxwright takes but does not act on, or refuses for now. */
export const SSH_CATALOGUE: OptionCatalogue = {
  notYet: {
    ssh_certificate_file: {
      why: 'signed user certificates are not offered',
      instead: 'log in with ssh_private_key_file or ssh_password',
    },
    ssh_bastion_certificate_file: {
      why: 'signed user certificates are not offered',
      instead: 'log in to the bastion with ssh_bastion_private_key_file or ssh_bastion_password',
    },
    ssh_bastion_interactive: {
      why: 'keyboard-interactive login to the bastion is not offered',
      instead: 'use ssh_bastion_password or ssh_bastion_private_key_file',
    },
    ssh_proxy_host: { why: 'SOCKS proxies are not used', instead: 'use ssh_bastion_host to go through a jump host' },
    ssh_proxy_port: { why: 'SOCKS proxies are not used', instead: 'use ssh_bastion_host to go through a jump host' },
    ssh_proxy_username: {
      why: 'SOCKS proxies are not used',
      instead: 'use ssh_bastion_host to go through a jump host',
    },
    ssh_proxy_password: {
      why: 'SOCKS proxies are not used',
      instead: 'use ssh_bastion_host to go through a jump host',
    },
    ssh_remote_tunnels: { why: 'tunnels are not opened', instead: 'remove it, or open the tunnel in a provisioner' },
    ssh_local_tunnels: { why: 'tunnels are not opened', instead: 'remove it, or open the tunnel in a provisioner' },
  },
  ignored: {
    ssh_public_key: 'Packer sets it for itself; templates name a key with ssh_private_key_file',
    ssh_private_key: 'Packer sets it for itself; templates name a key with ssh_private_key_file',
  },
};

const duration = (def: string) => ({ type: 'string', format: 'duration', default: def });

/** Packer's SSH options, as JSON Schema properties a builder adds to its own schema. */
export const sshSchemaProperties = {
  communicator: { type: 'string', enum: ['ssh', 'none'], default: 'ssh' },
  ssh_host: { type: 'string', minLength: 1 },
  ssh_port: { type: 'integer', minimum: 1, maximum: 65535, default: 22 },
  ssh_username: { type: 'string', minLength: 1 },
  ssh_password: { type: 'string' },
  ssh_private_key_file: { type: 'string', minLength: 1 },
  ssh_agent_auth: { type: 'boolean', default: false },
  ssh_timeout: { type: 'string', format: 'duration' },
  // Packer 1.6's older name for ssh_timeout, still accepted by it.
  ssh_wait_timeout: { type: 'string', format: 'duration' },
  ssh_handshake_attempts: { type: 'integer', minimum: 1, default: 10 },
  ssh_pty: { type: 'boolean', default: false },
  ssh_keep_alive_interval: duration('5s'),
  ssh_read_write_timeout: duration('0s'),
  ssh_bastion_host: { type: 'string', minLength: 1 },
  ssh_bastion_port: { type: 'integer', minimum: 1, maximum: 65535, default: 22 },
  ssh_bastion_username: { type: 'string', minLength: 1 },
  ssh_bastion_password: { type: 'string' },
  ssh_bastion_private_key_file: { type: 'string', minLength: 1 },
  ssh_bastion_agent_auth: { type: 'boolean', default: false },
  ssh_file_transfer_method: { type: 'string', enum: ['sftp', 'scp'], default: 'sftp' },
  ssh_disable_agent_forwarding: { type: 'boolean', default: false },
  temporary_key_pair_type: { type: 'string', enum: ['rsa', 'ed25519'], default: 'rsa' },
  temporary_key_pair_bits: { type: 'integer', minimum: 1024, default: 4096 },
  ssh_ciphers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  ssh_key_exchange_algorithms: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  pause_before_connecting: duration('0s'),
  ...catalogueSchema(SSH_CATALOGUE),
} as const;

/**
 * Checks SSH options and returns typed config. `hostRequired` is false for builders that
 * know the host themselves (a VM with a forwarded port); `keyInjected` when they put a
 * temporary key on the machine, so no password or key file is needed.
 */
export function prepareSsh(
  o: Record<string, unknown>,
  problems: ConfigProblems,
  opts: { hostRequired: boolean; keyInjected?: boolean },
): SshConfig {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  if (opts.hostRequired && !str('ssh_host'))
    problems.error(
      [],
      'missing required option "ssh_host"',
      'name the machine to connect to, for example "ssh_host": "127.0.0.1"',
    );
  if (!str('ssh_username'))
    problems.error([], 'missing required option "ssh_username"', 'for example "ssh_username": "vagrant"');
  const auth =
    str('ssh_password') !== undefined || str('ssh_private_key_file') || o.ssh_agent_auth === true || opts.keyInjected;
  if (!auth)
    problems.error([], 'no way to log in: set "ssh_password", "ssh_private_key_file" or "ssh_agent_auth": true');
  for (const key of ['ssh_private_key_file', 'ssh_bastion_private_key_file']) {
    const file = str(key);
    if (!file) continue;
    if (!existsSync(file)) {
      problems.error([key], `"${file}" does not exist`, 'paths are relative to the directory boxwright runs in');
      continue;
    }
    // As Packer does: a key that cannot be read would otherwise look like a guest that never answers.
    const parsed = ssh2Library().utils.parseKey(readFileSync(file));
    if (parsed instanceof Error)
      problems.error(
        [key],
        `"${file}" is not a private key boxwright can use: ${parsed.message}`,
        'give an OpenSSH or PEM private key without a passphrase; for a key with one, load it into ssh-agent and set "ssh_agent_auth": true',
      );
  }
  if ((o.ssh_agent_auth === true || o.ssh_bastion_agent_auth === true) && !process.env.SSH_AUTH_SOCK)
    problems.warn(
      [o.ssh_agent_auth === true ? 'ssh_agent_auth' : 'ssh_bastion_agent_auth'],
      'SSH_AUTH_SOCK is not set, so no agent can be asked for keys',
    );
  checkCatalogue(o, problems, SSH_CATALOGUE);
  let bastion: BastionConfig | undefined;
  if (str('ssh_bastion_host')) {
    if (!str('ssh_bastion_username')) problems.error(['ssh_bastion_host'], 'a bastion needs "ssh_bastion_username"');
    if (
      str('ssh_bastion_password') === undefined &&
      !str('ssh_bastion_private_key_file') &&
      o.ssh_bastion_agent_auth !== true
    )
      problems.error(
        ['ssh_bastion_host'],
        'no way to log in to the bastion: set "ssh_bastion_password", "ssh_bastion_private_key_file" or "ssh_bastion_agent_auth": true',
      );
    bastion = {
      host: str('ssh_bastion_host')!,
      port: o.ssh_bastion_port as number,
      username: str('ssh_bastion_username') ?? '',
      password: str('ssh_bastion_password'),
      privateKeyFile: str('ssh_bastion_private_key_file'),
      agentAuth: o.ssh_bastion_agent_auth === true,
    };
  }
  const ms = (k: string) => parseGoDuration(o[k] as string) ?? 0;
  return {
    host: str('ssh_host'),
    port: o.ssh_port as number,
    username: str('ssh_username') ?? '',
    password: str('ssh_password'),
    privateKeyFile: str('ssh_private_key_file'),
    agentAuth: o.ssh_agent_auth === true,
    timeoutMs: parseGoDuration((o.ssh_timeout ?? o.ssh_wait_timeout ?? '5m') as string) ?? 300_000,
    handshakeAttempts: o.ssh_handshake_attempts as number,
    pty: o.ssh_pty === true,
    keepAliveIntervalMs: ms('ssh_keep_alive_interval'),
    readWriteTimeoutMs: ms('ssh_read_write_timeout'),
    bastion,
    fileTransferMethod: o.ssh_file_transfer_method as 'sftp' | 'scp',
    disableAgentForwarding: o.ssh_disable_agent_forwarding === true,
    temporaryKeyPair: {
      type: o.temporary_key_pair_type as 'rsa' | 'ed25519',
      bits: o.temporary_key_pair_bits as number,
    },
    ciphers: o.ssh_ciphers as string[] | undefined,
    keyExchanges: o.ssh_key_exchange_algorithms as string[] | undefined,
    pauseBeforeConnectingMs: ms('pause_before_connecting'),
  };
}
