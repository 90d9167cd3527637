import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';

/** The throwaway account the test sshd logs in to. */
export const TEST_USER = 'boxwright-test';
export const TEST_PASSWORD = 'bw-test-password';

/** Creates the test account (idempotent). The tests run as root, as CI does. */
export function ensureTestUser(): void {
  const exists = () => {
    try {
      execFileSync('id', [TEST_USER], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!exists()) {
    try {
      execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', TEST_USER], { stdio: 'pipe' });
    } catch (err) {
      // Another test file, running in parallel, may have created it first.
      if (!exists()) throw err;
    }
  }
  execFileSync('chpasswd', { input: `${TEST_USER}:${TEST_PASSWORD}\n` });
}

/** Every process below `pid` (children, grandchildren, ...), from /proc via ps. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface Sshd {
  port: number;
  dir: string;
  /** A private key whose public half is authorised for the test user. */
  clientKey: string;
  configFile: string;
  stop(): Promise<void>;
  /** Stops the daemon and removes its directory. */
  dispose(): Promise<void>;
  /** Stops the daemon and starts it again on the same port. */
  restart(delayMs?: number): Promise<void>;
  /**
   * A machine reboot: the daemon and everything below it (every session and the commands
   * they run) die at once; `whileDown` runs; then the daemon starts again on the same port.
   */
  reboot(whileDown?: () => void): Promise<void>;
}

/** Starts a real OpenSSH sshd on 127.0.0.1 with a generated host key and a throwaway config. */
export async function startSshd(extraConfig: string[] = []): Promise<Sshd> {
  if (!existsSync('/usr/sbin/sshd')) throw new Error('/usr/sbin/sshd is missing: .ci/run installs openssh-server');
  ensureTestUser();
  mkdirSync('/run/sshd', { recursive: true });
  // sshd reads authorized_keys as the logged-in user, so the folder must be readable by it.
  const dir = mkdtempSync(path.join(tmpdir(), 'boxwright-sshd-'));
  chmodSync(dir, 0o755);
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  for (const key of [hostKey, clientKey])
    if (!existsSync(key)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const authorized = path.join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`));
  chmodSync(authorized, 0o644);
  const port = await freePort();
  const configFile = path.join(dir, 'sshd_config');
  writeFileSync(
    configFile,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      `AllowUsers ${TEST_USER}`,
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      ...extraConfig,
    ].join('\n') + '\n',
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    // -D: stay in the foreground so the test owns the process; -e: log to stderr.
    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForPort(port);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    dir,
    clientKey,
    configFile,
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(delayMs = 0) {
      await stop();
      await new Promise((r) => setTimeout(r, delayMs));
      await start();
    },
    async reboot(whileDown) {
      const c = child;
      if (c?.pid) {
        const tree = descendants(c.pid);
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        for (const pid of [c.pid, ...tree]) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        await exited;
        child = undefined;
      }
      whileDown?.();
      await new Promise((r) => setTimeout(r, 300));
      await start();
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
