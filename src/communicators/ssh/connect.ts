import { readFileSync } from 'node:fs';
import type { Client as ClientType, ConnectConfig } from 'ssh2';
import type { SshConfig } from './config.js';
import { dialSsh } from './dial.js';
import { ssh2Library } from '../../util/ssh2-library.js';

/** Where the machine's SSH server is; a builder may know it only at run time. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Why one connection attempt failed, in words that tell the user where to look. */
export type FailureKind =
  'port closed' | 'unreachable' | 'handshake failed' | 'auth refused' | 'bastion failed' | 'unusable key';

export class ConnectError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

function credentials(
  username: string,
  password: string | undefined,
  keyFile: string | undefined,
  agent: boolean,
): Partial<ConnectConfig> {
  return {
    username,
    password,
    privateKey: keyFile ? readFileSync(keyFile) : undefined,
    agent: agent ? process.env.SSH_AUTH_SOCK : undefined,
  };
}

function classify(err: Error & { code?: string; level?: string }, where: string): ConnectError {
  if (err.code === 'ECONNREFUSED') return new ConnectError('port closed', `connection refused on ${where}`);
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
    return new ConnectError('unreachable', `${where} is unreachable (${err.code})`);
  // ssh2 reads the key only when it connects; no later attempt can read it either.
  if (err.message.startsWith('Cannot parse privateKey'))
    return new ConnectError('unusable key', `the private key for ${where} cannot be read: ${err.message}`);
  if (err.level === 'client-authentication')
    return new ConnectError('auth refused', `${where} refused the credentials (${err.message})`);
  return new ConnectError('handshake failed', `SSH handshake with ${where} failed: ${err.message}`);
}

/** Opens one authenticated connection, through the bastion when there is one. */
export async function connectOnce(
  cfg: SshConfig,
  endpoint: Endpoint,
  signal: AbortSignal,
  handshakeTimeoutMs = 20_000,
): Promise<ClientType> {
  const where = `${endpoint.host}:${endpoint.port}`;
  let bastion: ClientType | undefined;
  let sock: NodeJS.ReadableStream | undefined;
  if (cfg.bastion) {
    const b = cfg.bastion;
    try {
      bastion = await open(
        {
          host: b.host,
          port: b.port,
          readyTimeout: handshakeTimeoutMs,
          ...credentials(b.username, b.password, b.privateKeyFile, b.agentAuth),
        },
        signal,
      );
    } catch (err) {
      const c = classify(err as Error, `bastion ${b.host}:${b.port}`);
      throw new ConnectError(c.kind === 'auth refused' ? 'auth refused' : 'bastion failed', c.message);
    }
    sock = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      bastion!.forwardOut('127.0.0.1', 0, endpoint.host, endpoint.port, (err, stream) =>
        err
          ? reject(new ConnectError('port closed', `the bastion could not reach ${where}: ${err.message}`))
          : resolve(stream),
      ),
    ).catch((err) => {
      bastion!.end();
      throw err;
    });
  }
  try {
    // Without a bastion, the first greeted of a few staggered connections is used (see dial.ts).
    sock ??= await dialSsh(endpoint.host, endpoint.port, signal, handshakeTimeoutMs);
    const client = await open(
      {
        host: endpoint.host,
        port: endpoint.port,
        sock: sock as ConnectConfig['sock'],
        readyTimeout: handshakeTimeoutMs,
        keepaliveInterval: cfg.keepAliveIntervalMs || undefined,
        keepaliveCountMax: 6,
        agentForward: !cfg.disableAgentForwarding && cfg.agentAuth,
        ...(cfg.ciphers || cfg.keyExchanges
          ? { algorithms: { cipher: cfg.ciphers, kex: cfg.keyExchanges } as ConnectConfig['algorithms'] }
          : {}),
        ...credentials(cfg.username, cfg.password, cfg.privateKeyFile, cfg.agentAuth),
      },
      signal,
    );
    // The bastion connection lives as long as the one it carries.
    if (bastion) client.once('close', () => bastion!.end());
    return client;
  } catch (err) {
    bastion?.end();
    if (err instanceof ConnectError) throw err;
    throw classify(err as Error, where);
  }
}

function open(config: ConnectConfig, signal: AbortSignal): Promise<ClientType> {
  return new Promise((resolve, reject) => {
    const client = new (ssh2Library().Client)();
    const onAbort = () => {
      client.end();
      reject(new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(client);
    });
    // Permanent: a connection dropped during the handshake can report more than one error.
    client.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      client.end();
      reject(err);
    });
    client.connect(config);
  });
}
