import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { CancelledError, UserError } from '../../base/errors.js';
import type { ConfigProblems } from '../../core/plugin.js';

/**
 * A client for the Docker daemon the docker CLI would use: DOCKER_HOST (unix://, tcp://
 * with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, ssh://), else /var/run/docker.sock.
 */
export async function connectDocker(): Promise<Docker> {
  // Loaded on first use: only Docker work needs dockerode, and loading it takes a tenth of a second.
  const { default: Dockerode } = await import('dockerode');
  return new Dockerode();
}

/** Where the daemon is, for messages ("unix:///var/run/docker.sock"). */
export function dockerHost(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Credentials for a registry, as the Engine API's X-Registry-Auth header takes them. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
  code?: string;
}

/** The daemon's own words for a failed API call ("No such image: x"), without dockerode's prefix. */
export function engineMessage(err: unknown): string {
  const e = err as EngineError;
  if (e?.json && typeof e.json.message === 'string') return e.json.message;
  if (isUnreachable(err)) return `cannot reach the Docker daemon at ${dockerHost()} (${e.code})`;
  const text = e?.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** True when the daemon's socket or port could not be reached at all. */
function isUnreachable(err: unknown): boolean {
  const code = (err as EngineError)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES';
}

/** True when the failure is the daemon saying the object does not exist. */
export function isNotFound(err: unknown): boolean {
  return (err as EngineError)?.statusCode === 404;
}

/** Turns a failed API call into a UserError that says what was being done. */
export function engineFailure(doing: string, err: unknown, hint?: string): Error {
  if (err instanceof CancelledError || (err as Error)?.name === 'AbortError')
    return new CancelledError('Build was cancelled.');
  if (isUnreachable(err)) {
    return new UserError(
      `${doing}: ${engineMessage(err)}`,
      hint ??
        'start the Docker daemon (dockerd), or point DOCKER_HOST at one, e.g. DOCKER_HOST=unix:///run/user/1000/docker.sock',
    );
  }
  return new UserError(`${doing}: ${engineMessage(err)}`, hint);
}

/** Checks that the daemon answers, with a message that says how to fix it when it does not. */
export async function pingDocker(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw engineFailure('cannot use Docker', err);
  }
}

export interface ProgressMessage {
  status?: string;
  id?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string; Tag?: string };
}

/**
 * Reads a streamed JSON progress response (pull, push, import, load) to its end.
 * Those calls answer 200 and report failure inside the stream, so the stream must be read.
 */
export function followProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onMessage?: (m: ProgressMessage) => void,
  signal?: AbortSignal,
): Promise<ProgressMessage[]> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      reject(new CancelledError('Build was cancelled.'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: ProgressMessage[]) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return;
        if (err) return reject(err);
        const failed = output.find((m) => m.error || m.errorDetail?.message);
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
        resolve(output);
      },
      (m: ProgressMessage) => onMessage?.(m),
    );
  });
}

/** Splits "registry:5000/team/app:1.2" into repository and tag; a digest reference keeps its digest. */
export function splitReference(reference: string): { repository: string; tag: string | undefined } {
  const at = reference.indexOf('@');
  if (at >= 0) return { repository: reference.slice(0, at), tag: undefined };
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repository: reference, tag: undefined };
}

/** The registry a repository lives in, as docker decides it: a first part with a dot, a colon or "localhost". */
export function registryOf(repository: string): string {
  const first = repository.split('/')[0]!;
  if (repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

/**
 * Credentials the docker CLI stored for a registry (`docker login` writes them to
 * $DOCKER_CONFIG/config.json). Credential helpers (credsStore) are not consulted.
 */
export async function storedAuth(
  server: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RegistryAuth | undefined> {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  let config: { auths?: Record<string, { auth?: string }> };
  try {
    config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const keys =
    server === 'docker.io'
      ? ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io']
      : [server, `https://${server}`, `http://${server}`];
  for (const key of keys) {
    const encoded = config.auths?.[key]?.auth;
    if (!encoded) continue;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: server };
  }
  return undefined;
}

/** Registry login options shared by the docker builder and docker-push (Packer's names). */
export const loginSchemaProperties = {
  login: { type: 'boolean', default: false },
  login_username: { type: 'string' },
  login_password: { type: 'string' },
  login_server: { type: 'string' },
};

/** Reads the login options; `defaultServer` is the registry of the image concerned. */
export function prepareLogin(
  o: Record<string, unknown>,
  problems: ConfigProblems,
  defaultServer: () => string,
): RegistryAuth | undefined {
  if (o.login !== true) {
    if (o.login_username !== undefined || o.login_password !== undefined)
      problems.warn(['login'], 'login_username/login_password are ignored unless "login": true', 'add "login": true');
    return undefined;
  }
  const username = o.login_username as string | undefined;
  const password = o.login_password as string | undefined;
  // Packer's validate accepts this and decides at run time; without both, nothing is sent (docker-push then uses what `docker login` stored).
  if (!username || password === undefined) {
    problems.warn(
      ['login'],
      `"login": true without ${!username ? '"login_username"' : '"login_password"'}: boxwright does not log in with these options (docker-push uses what \`docker login\` stored)`,
      'pass them as sensitive variables: "login_username": "{{user `registry_user`}}", "login_password": "{{user `registry_password`}}"',
    );
    return undefined;
  }
  return {
    username,
    password,
    serveraddress: (o.login_server as string | undefined) || defaultServer(),
  };
}
