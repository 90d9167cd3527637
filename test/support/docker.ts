import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import * as tar from 'tar-stream';
import { followProgress } from '../../src/machines/docker/engine.js';
import { freePort } from './sshd.js';

export interface TestDocker {
  docker: Docker;
  /** The DOCKER_HOST the builds under test use. */
  host: string;
  stop(): Promise<void>;
}

async function answers(host: string): Promise<boolean> {
  const socketPath = host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
  if (!socketPath) return false;
  try {
    statSync(socketPath);
    await new Docker({ socketPath }).ping();
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => Promise<boolean>, what: string, ms: number, log?: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until)
      throw new Error(
        `${what} did not start within ${ms / 1000}s${log ? `:\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** dockerd can leave its network namespace mounted in its exec root once a host-network container ran. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`))
    .reverse();
  for (const mountPoint of mounts) spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
}

/**
 * A Docker daemon for the tests: the one DOCKER_HOST or /var/run/docker.sock names when it
 * answers, else Debian's dockerd started on a private socket, data root and exec root
 * (no bridge, no iptables) and stopped by `stop`. Sets process.env.DOCKER_HOST for the builds.
 */
export async function startTestDocker(): Promise<TestDocker> {
  for (const host of [process.env.DOCKER_HOST, 'unix:///var/run/docker.sock']) {
    if (host && (await answers(host))) {
      process.env.DOCKER_HOST = host;
      return { docker: new Docker({ socketPath: host.slice('unix://'.length) }), host, stop: async () => {} };
    }
  }
  // Short path: a unix socket path must stay under 108 bytes.
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const log = path.join(dir, 'dockerd.log');
  const out = openSync(log, 'a');
  const child = spawn(
    'dockerd',
    [
      '--host',
      `unix://${socket}`,
      '--data-root',
      path.join(dir, 'data'),
      '--exec-root',
      path.join(dir, 'exec'),
      '--pidfile',
      path.join(dir, 'docker.pid'),
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
    ],
    { stdio: ['ignore', out, out] },
  );
  const host = `unix://${socket}`;
  try {
    await waitUntil(() => answers(host), 'dockerd', 60_000, log);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  process.env.DOCKER_HOST = host;
  return {
    docker: new Docker({ socketPath: socket }),
    host,
    async stop() {
      await stopProcess(child);
      delete process.env.DOCKER_HOST;
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/**
 * A tiny Linux image made with `docker import` (there is no registry here): busybox with
 * a shell and coreutils, root and an unprivileged `app` user (uid 1000), a world-writable /tmp.
 */
export async function importBusyboxImage(
  docker: Docker,
  reference: string,
  changes: string[] = ['CMD ["/bin/sh"]'],
): Promise<string> {
  const pack = tar.pack();
  const dir = (name: string, mode = 0o755) => pack.entry({ name, type: 'directory', mode });
  for (const d of ['bin', 'etc', 'root', 'home', 'home/app', 'proc', 'sys', 'dev', 'var', 'usr', 'usr/bin']) dir(d);
  dir('tmp', 0o1777);
  pack.entry({ name: 'bin/busybox', mode: 0o755 }, readFileSync('/bin/busybox'));
  for (const applet of [
    'sh',
    'ls',
    'cat',
    'echo',
    'mkdir',
    'chmod',
    'chown',
    'id',
    'stat',
    'sleep',
    'env',
    'rm',
    'touch',
    'test',
    '[',
    'printf',
    'whoami',
    'timeout',
    'tar',
    'true',
    'false',
    'grep',
    'wc',
    'date',
    'sha256sum',
    'head',
  ]) {
    pack.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' });
  }
  pack.entry(
    { name: 'etc/passwd', mode: 0o644 },
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n',
  );
  pack.entry({ name: 'etc/group', mode: 0o644 }, 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n');
  pack.finalize();
  const [repo, tag] = reference.split(/:(?=[^/:]+$)/);
  const stream = await docker.importImage(pack as unknown as string, { repo, tag: tag ?? 'latest', changes } as object);
  await followProgress(docker, stream);
  return reference;
}

/** `docker import` of a root file system tar (the base disk's files), unless the daemon has the image. */
export async function importRootfsImage(docker: Docker, rootfsTar: string, reference: string): Promise<string> {
  const exists = await docker
    .getImage(reference)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (exists) return reference;
  const [repo, tag] = reference.split(/:(?=[^/:]+$)/);
  const stream = await docker.importImage(
    createReadStream(rootfsTar) as unknown as string,
    {
      repo,
      tag: tag ?? 'latest',
    } as object,
  );
  await followProgress(docker, stream);
  return reference;
}

/** Containers the daemon has, running or not. */
export async function containerIds(docker: Docker): Promise<string[]> {
  return (await docker.listContainers({ all: true })).map((c) => c.Id);
}

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  address: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry (distribution) on loopback with storage in a temp dir. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  mkdirSync(path.join(dir, 'data'));
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\nhttp:\n  addr: ${address}\n`,
  );
  const log = path.join(dir, 'registry.log');
  const out = openSync(log, 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', out, out] });
  await waitUntil(
    async () => {
      try {
        return (await fetch(`http://${address}/v2/`)).ok;
      } catch {
        return false;
      }
    },
    'docker-registry',
    30_000,
    log,
  );
  return {
    address,
    async stop() {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
