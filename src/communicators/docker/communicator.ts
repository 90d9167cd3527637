import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import { CancelledError } from '../../base/errors.js';
import { engineFailure, isNotFound } from '../../machines/docker/engine.js';
import { readLines } from '../../util/lines.js';
import { shellQuote } from '../../util/shell-quote.js';
import type { Communicator, ExecOptions, ExecResult } from '../../core/communicator.js';

export interface DockerCommunicatorOptions {
  /** Runs commands as this user (exec_user); the container's own user otherwise. */
  execUser?: string;
  /** After an upload, give the files to this user (fix_upload_owner); undefined leaves them to root. */
  uploadOwner?: string;
}

/**
 * Provisioners' connection to a container: commands through the Engine API's exec,
 * files through its archive endpoints. Nothing goes through the docker CLI or a bind
 * mount, so it works the same with a remote DOCKER_HOST.
 */
export class DockerCommunicator implements Communicator {
  readonly type = 'docker' as const;
  readonly runsPosixShell = true;
  readonly takesInput = true;

  constructor(
    private readonly docker: Docker,
    private readonly containerId: string,
    private readonly options: DockerCommunicatorOptions = {},
  ) {}

  private get container(): Docker.Container {
    return this.docker.getContainer(this.containerId);
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.run(['/bin/sh', '-c', command], options, this.options.execUser);
  }

  /** Runs a command as root whatever exec_user says, for the builder's own housekeeping. */
  async execAsRoot(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.run(['/bin/sh', '-c', command], options, 'root');
  }

  private async run(cmd: string[], options: ExecOptions, user: string | undefined): Promise<ExecResult> {
    if (options.signal.aborted) throw new CancelledError('Build was cancelled.');
    let exec: Docker.Exec;
    let stream: NodeJS.ReadWriteStream;
    try {
      exec = await this.container.exec({
        Cmd: cmd,
        AttachStdin: options.input !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        User: user ?? '',
        Tty: false,
      });
      stream = await exec.start({ hijack: true, stdin: options.input !== undefined });
      // Ending our side of the connection ends the command's standard input.
      if (options.input) stream.end(options.input);
    } catch (err) {
      throw engineFailure(`could not run a command in container ${this.containerId.slice(0, 12)}`, err);
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    // Without a TTY the daemon multiplexes both streams into one with 8-byte frame headers.
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      const end = () => {
        stdout.end();
        stderr.end();
        resolve();
      };
      stream.once('end', end);
      stream.once('close', end);
      stream.once('error', end);
    });
    // The container is removed in cleanup, which stops whatever the command left running.
    const onAbort = () => (stream as unknown as Readable).destroy();
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all([
        ended,
        readLines(stdout, (l) => options.onStdout?.(l)),
        readLines(stderr, (l) => options.onStderr?.(l)),
      ]);
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
    if (options.signal.aborted) throw new CancelledError('Build was cancelled.');
    const info = await exec.inspect().catch((err: unknown) => {
      throw engineFailure('could not read the exit code of a command', err);
    });
    return { exitCode: info.ExitCode ?? null };
  }

  /** Runs a helper command as root and fails with its output when it fails. */
  private async must(command: string, signal: AbortSignal, what: string): Promise<void> {
    const output: string[] = [];
    const r = await this.execAsRoot(command, {
      signal,
      onStdout: (l) => output.push(l),
      onStderr: (l) => output.push(l),
    });
    if (r.exitCode !== 0)
      throw new Error(`${what} (exit code ${r.exitCode}): ${output.slice(-5).join('\n') || 'no output'}`);
  }

  async upload(localPath: string, remotePath: string, options: { signal: AbortSignal; mode?: number }): Promise<void> {
    const info = await lstat(localPath);
    const pack = tar.pack();
    const name = path.posix.basename(remotePath);
    const entry = pack.entry(
      { name, size: info.size, mode: options.mode ?? info.mode & 0o7777, mtime: info.mtime, type: 'file' },
      (err) => (err ? pack.destroy(err) : pack.finalize()),
    );
    createReadStream(localPath)
      .on('error', (err) => pack.destroy(err))
      .pipe(entry);
    await this.put(pack, path.posix.dirname(remotePath), remotePath, options.signal);
  }

  async uploadDir(localDir: string, remoteDir: string, options: { signal: AbortSignal }): Promise<void> {
    await this.must(
      `mkdir -p ${shellQuote(remoteDir)}`,
      options.signal,
      `could not create ${remoteDir} in the container`,
    );
    const pack = tar.pack();
    void packTree(pack, localDir, '').then(
      () => pack.finalize(),
      (err: Error) => pack.destroy(err),
    );
    await this.put(pack, remoteDir, remoteDir, options.signal);
  }

  private async put(archive: tar.Pack, into: string, uploaded: string, signal: AbortSignal): Promise<void> {
    try {
      await this.container.putArchive(archive as unknown as NodeJS.ReadableStream, { path: into, abortSignal: signal });
    } catch (err) {
      throw engineFailure(
        `could not upload to ${uploaded} in the container`,
        err,
        isNotFound(err)
          ? `the directory ${into} does not exist in the container; create it first (mkdir -p) or upload to a path that exists`
          : undefined,
      );
    }
    const owner = this.options.uploadOwner;
    if (owner)
      await this.must(
        `chown -R ${shellQuote(owner)} ${shellQuote(uploaded)}`,
        signal,
        `could not give ${uploaded} to ${owner} (fix_upload_owner)`,
      );
  }

  async download(remotePath: string, localPath: string, options: { signal: AbortSignal }): Promise<void> {
    await mkdir(path.dirname(localPath), { recursive: true });
    const extract = await this.archiveOf(remotePath, options.signal);
    let found = false;
    for await (const entry of extract) {
      if (!found && entry.header.type === 'file') {
        found = true;
        await pipeline(entry, createWriteStream(localPath, { mode: (entry.header.mode ?? 0o644) & 0o7777 }));
      } else entry.resume();
    }
    if (!found) throw new Error(`${remotePath} in the container is not a file`);
  }

  async downloadDir(remoteDir: string, localDir: string, options: { signal: AbortSignal }): Promise<void> {
    await mkdir(localDir, { recursive: true });
    const extract = await this.archiveOf(remoteDir, options.signal);
    for await (const entry of extract) {
      // The archive holds the directory itself as its first component; its contents go into localDir.
      const relative = entry.header.name.split('/').slice(1).join('/');
      const target = path.resolve(localDir, relative);
      // Entries that would land outside localDir ("../x") are skipped.
      if (!relative || !target.startsWith(path.resolve(localDir) + path.sep)) {
        entry.resume();
        continue;
      }
      if (entry.header.type === 'directory')
        await mkdir(target, { recursive: true, mode: (entry.header.mode ?? 0o755) & 0o7777 });
      else if (entry.header.type === 'file') {
        await mkdir(path.dirname(target), { recursive: true });
        await pipeline(entry, createWriteStream(target, { mode: (entry.header.mode ?? 0o644) & 0o7777 }));
        if (entry.header.mtime) await utimes(target, entry.header.mtime, entry.header.mtime);
        continue;
      }
      entry.resume();
    }
  }

  private async archiveOf(remotePath: string, signal: AbortSignal): Promise<tar.Extract> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.container.getArchive({ path: remotePath, abortSignal: signal });
    } catch (err) {
      throw engineFailure(
        `could not download ${remotePath} from the container`,
        err,
        isNotFound(err) ? 'check the path: it does not exist in the container' : undefined,
      );
    }
    const extract = tar.extract();
    (stream as Readable).pipe(extract);
    return extract;
  }

  async isDirectory(remotePath: string, signal: AbortSignal): Promise<boolean | undefined> {
    let answer = '';
    const r = await this.run(
      [
        '/bin/sh',
        '-c',
        `if [ -d ${shellQuote(remotePath)} ]; then echo dir; elif [ -e ${shellQuote(remotePath)} ]; then echo file; fi`,
      ],
      { signal, onStdout: (l) => (answer = l.trim()) },
      this.options.execUser,
    );
    if (r.exitCode !== 0) return undefined;
    return answer === 'dir' ? true : answer === 'file' ? false : undefined;
  }

  async close(): Promise<void> {}
}

/** Adds a local tree to an archive: directories, files (streamed) and symlinks, with their modes. */
async function packTree(pack: tar.Pack, dir: string, prefix: string): Promise<void> {
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const local = path.join(dir, item.name);
    const name = prefix ? `${prefix}/${item.name}` : item.name;
    const info = await lstat(local);
    const mode = info.mode & 0o7777;
    if (item.isDirectory()) {
      pack.entry({ name, type: 'directory', mode, mtime: info.mtime });
      await packTree(pack, local, name);
    } else if (item.isSymbolicLink()) {
      pack.entry({ name, type: 'symlink', linkname: await readlink(local), mode, mtime: info.mtime });
    } else if (item.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name, type: 'file', size: info.size, mode, mtime: info.mtime }, (err) =>
          err ? reject(err) : resolve(),
        );
        createReadStream(local).on('error', reject).pipe(entry);
      });
    }
  }
}
