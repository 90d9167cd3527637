import { setLongTimeout } from '../../base/timers.js';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { formatElapsed } from '../../base/duration.js';
import { CancelledError } from '../../base/errors.js';
import {
  DisconnectedError,
  type Communicator,
  type ExecOptions,
  type ExecResult,
  type SshLogin,
} from '../../core/communicator.js';
import type { SshConfig } from './config.js';
import type { Endpoint } from './connect.js';
import { readLines } from '../../util/lines.js';
import { shellQuote } from '../../util/shell-quote.js';
import { scpDownload, scpUpload } from './scp.js';
import { waitForSsh, type WaitOptions } from './wait.js';

const PID_MARKER = 'boxwright-remote-pid:';
/** How long a cancel waits for the command's pid line before it gives up looking for it. */
const PID_WAIT_MS = 3000;
/** How long sshd gets to close a killed command's channel by itself before boxwright closes it. */
const CLOSE_WAIT_MS = 5000;

/**
 * Provisioners' connection to a machine over SSH. If the connection drops (a reboot),
 * the next call logs in again, waiting up to the reconnect timeout.
 */
export class SshCommunicator implements Communicator {
  readonly type = 'ssh' as const;
  /** Every command goes to /bin/sh -c (see exec). */
  readonly runsPosixShell = true;
  private client: Client | undefined;
  private sftpSession: SFTPWrapper | undefined;

  constructor(
    private readonly cfg: SshConfig,
    private readonly endpoint: Endpoint,
    client: Client,
    private readonly reconnectOptions: WaitOptions,
  ) {
    this.adopt(client);
  }

  /** Through a terminal (ssh_pty), input would be echoed and never end. */
  get takesInput(): boolean {
    return !this.cfg.pty;
  }

  sshLogin(): SshLogin {
    const { username, password, privateKeyFile, agentAuth, bastion } = this.cfg;
    return {
      host: this.endpoint.host,
      port: this.endpoint.port,
      username,
      password,
      privateKeyFile,
      agentAuth,
      bastion: bastion ? { host: bastion.host, port: bastion.port } : undefined,
    };
  }

  /** Runs a command, streaming its output by line. On cancel, the remote process group is killed. */
  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const client = await this.connected(options.signal);
    // The session's shell is a process-group leader (sshd calls setsid); knowing its pid lets a
    // cancel kill everything the command started, which closing the channel would not.
    const wrapped = `printf '%s%s\\n' '${PID_MARKER}' "$$" >&2; exec /bin/sh -c ${shellQuote(command)}`;
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(wrapped, { pty: this.cfg.pty }, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    // Ending our side of the channel ends the command's standard input.
    if (options.input && !this.cfg.pty) channel.end(options.input);
    let remotePid: number | undefined;
    let pidSeen!: () => void;
    const pidKnown = new Promise<void>((resolve) => (pidSeen = resolve));
    const filter = (sink: ((line: string) => void) | undefined) => (line: string) => {
      if (remotePid === undefined && line.startsWith(PID_MARKER)) {
        remotePid = Number(line.slice(PID_MARKER.length).trim());
        pidSeen();
        return;
      }
      sink?.(line);
    };
    // ssh2 reuses a closed channel's number for the next one: closing this channel after
    // it closed would close whatever command runs next on the connection.
    let channelOpen = true;
    const channelClosed = new Promise<void>((resolve) => channel.once('close', resolve));
    void channelClosed.then(() => ((channelOpen = false), pidSeen()));
    // The kill runs on a channel of its own; the command ends only once it is done, so the
    // next command never shares the connection with it. A cancel that comes before the pid
    // line waits for it: closing the channel alone leaves a command that ignores SIGHUP running.
    // After the kill, sshd closes the channel when the command is gone; closing it from this
    // side while sshd still writes to it can make sshd drop the whole connection.
    let killing: Promise<void> | undefined;
    const onAbort = () => {
      killing ??= within(pidKnown, PID_WAIT_MS)
        .then(() => this.killRemote(remotePid))
        .then(() => within(channelClosed, CLOSE_WAIT_MS))
        .then(() => {
          if (channelOpen) channel.close();
        });
    };
    if (options.signal.aborted) onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    // ssh_read_write_timeout caps how long one command may run (0: no limit).
    let timedOut = false;
    const limit =
      this.cfg.readWriteTimeoutMs > 0
        ? setLongTimeout(() => ((timedOut = true), onAbort()), this.cfg.readWriteTimeoutMs)
        : undefined;
    try {
      // ssh2 hands 'close' the exit status it read. Its 'exit' event can come and go before
      // this listens: a quick command's exit arrives in the same read as its start when
      // this process was busy, and ssh2 emits it while still reading.
      const status = new Promise<ExecResult | undefined>((resolve) => {
        channel.on('close', (code?: number | null, signalName?: string) =>
          resolve(code === undefined ? undefined : { exitCode: code, signal: signalName }),
        );
      });
      const [result] = await Promise.all([
        status,
        readLines(channel, filter(options.onStdout)),
        readLines(channel.stderr, filter(options.onStderr)),
      ]);
      await killing;
      if (options.signal.aborted) throw new CancelledError('Build was cancelled.');
      if (timedOut)
        throw new Error(
          `the command did not finish within ssh_read_write_timeout (${formatElapsed(this.cfg.readWriteTimeoutMs)}) and was stopped`,
        );
      if (!result) throw new DisconnectedError(command);
      return result;
    } finally {
      limit?.clear();
      options.signal.removeEventListener('abort', onAbort);
    }
  }

  async upload(localPath: string, remotePath: string, options: { signal: AbortSignal; mode?: number }): Promise<void> {
    const client = await this.connected(options.signal);
    const mode = options.mode ?? (await stat(localPath)).mode & 0o7777;
    if (this.cfg.fileTransferMethod === 'scp') return scpUpload(client, localPath, remotePath, mode, options.signal);
    const sftp = await this.sftp(options.signal);
    // fastPut keeps 64 requests of 32 KiB in flight: fast on a real link, and memory stays bounded.
    await cancellable(options.signal, sftp, (done) =>
      sftp.fastPut(localPath, remotePath, { concurrency: 64, chunkSize: 32_768, mode }, done),
    );
    // The mode applies only to new files; an existing file keeps its old one without this.
    await new Promise<void>((resolve, reject) =>
      sftp.chmod(remotePath, mode, (err) => (err ? reject(err) : resolve())),
    );
  }

  async uploadDir(localDir: string, remoteDir: string, options: { signal: AbortSignal }): Promise<void> {
    await this.exec(`mkdir -p ${shellQuote(remoteDir)}`, { signal: options.signal }).then((r) => {
      if (r.exitCode !== 0) throw new Error(`could not create ${remoteDir} on the machine (exit code ${r.exitCode})`);
    });
    for (const entry of await readdir(localDir, { withFileTypes: true })) {
      const local = path.join(localDir, entry.name);
      const remote = path.posix.join(remoteDir, entry.name);
      if (entry.isDirectory()) await this.uploadDir(local, remote, options);
      else if (entry.isFile() || entry.isSymbolicLink()) await this.upload(local, remote, options);
    }
  }

  async download(remotePath: string, localPath: string, options: { signal: AbortSignal }): Promise<void> {
    const client = await this.connected(options.signal);
    await mkdir(path.dirname(localPath), { recursive: true });
    if (this.cfg.fileTransferMethod === 'scp') return scpDownload(client, remotePath, localPath, options.signal);
    const sftp = await this.sftp(options.signal);
    await cancellable(options.signal, sftp, (done) =>
      sftp.fastGet(remotePath, localPath, { concurrency: 64, chunkSize: 32_768 }, done),
    );
  }

  /** Downloads a remote directory tree (used by the file provisioner). */
  async downloadDir(remoteDir: string, localDir: string, options: { signal: AbortSignal }): Promise<void> {
    const sftp = await this.sftp(options.signal);
    await mkdir(localDir, { recursive: true });
    const entries = await new Promise<{ filename: string; attrs: { mode: number } }[]>((resolve, reject) =>
      sftp.readdir(remoteDir, (err, list) => (err ? reject(err) : resolve(list))),
    );
    for (const e of entries) {
      const remote = path.posix.join(remoteDir, e.filename);
      const local = path.join(localDir, e.filename);
      if ((e.attrs.mode & 0o170000) === 0o040000) await this.downloadDir(remote, local, options);
      else await this.download(remote, local, options);
    }
  }

  /** True when the remote path is a directory; undefined when it does not exist. */
  async isDirectory(remotePath: string, signal: AbortSignal): Promise<boolean | undefined> {
    const sftp = await this.sftp(signal);
    return new Promise((resolve) =>
      sftp.stat(remotePath, (err, attrs) => resolve(err ? undefined : (attrs.mode & 0o170000) === 0o040000)),
    );
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.sftpSession = undefined;
    client?.end();
  }

  private adopt(client: Client): void {
    this.client = client;
    this.sftpSession = undefined;
    const forget = () => {
      if (this.client === client) {
        this.client = undefined;
        this.sftpSession = undefined;
      }
    };
    client.on('close', forget);
    client.on('error', forget);
  }

  private async connected(signal: AbortSignal): Promise<Client> {
    if (this.client) return this.client;
    this.reconnectOptions.ui.say('The SSH connection was closed; connecting again...');
    this.adopt(await waitForSsh(this.cfg, this.endpoint, { ...this.reconnectOptions, signal }));
    return this.client!;
  }

  private async sftp(signal: AbortSignal): Promise<SFTPWrapper> {
    const client = await this.connected(signal);
    if (!this.sftpSession)
      this.sftpSession = await new Promise<SFTPWrapper>((resolve, reject) =>
        client.sftp((err, s) =>
          err
            ? reject(
                new Error(
                  `the SFTP subsystem is not available (${err.message}); try "ssh_file_transfer_method": "scp"`,
                ),
              )
            : resolve(s),
        ),
      );
    return this.sftpSession;
  }

  private async killRemote(pid: number | undefined): Promise<void> {
    const client = this.client;
    if (pid && client) {
      // TERM first; whatever is still there after three seconds gets KILL.
      // dash's kill takes no "--"; a negative pid names the process group.
      const kill = `kill -TERM -${pid} 2>/dev/null; i=0; while kill -0 -${pid} 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL -${pid} 2>/dev/null; true`;
      await new Promise<void>((resolve) =>
        client.exec(kill, (err, ch) => {
          if (err) return resolve();
          ch.on('close', () => resolve()).resume();
          ch.stderr.resume();
        }),
      );
    }
  }
}

/** Resolves when `promise` does or after `ms`, whichever comes first. */
function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** Runs an SFTP transfer; a cancel ends the SFTP session, which fails the transfer at once. */
function cancellable(
  signal: AbortSignal,
  sftp: SFTPWrapper,
  start: (done: (err?: Error | null) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => sftp.end();
    signal.addEventListener('abort', onAbort, { once: true });
    start((err) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(new CancelledError('Build was cancelled.'));
      else if (err) reject(err);
      else resolve();
    });
  });
}
