/** How provisioners reach the machine being built. */
export type CommunicatorType = 'none' | 'ssh' | 'docker';

export interface ExecResult {
  exitCode: number | null;
  signal?: string;
}

export interface ExecOptions {
  /** Each line the command prints, as it arrives. */
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  signal: AbortSignal;
  /** Bytes for the command's standard input, which then ends; only where `takesInput` is set. */
  input?: Buffer;
}

/** A connection to a machine: run commands and move files. ssh, docker and none implement it. */
export interface Communicator {
  readonly type: CommunicatorType;
  /**
   * Set when exec hands each command to `/bin/sh -c`, so a caller may wrap it in POSIX shell
   * syntax. Over SSH the login shell decides, and it may be any shell at all.
   */
  readonly runsPosixShell?: boolean;
  /** Set when exec passes ExecOptions.input to the command's standard input. */
  readonly takesInput?: boolean;
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  upload(localPath: string, remotePath: string, options: { signal: AbortSignal; mode?: number }): Promise<void>;
  uploadDir(localDir: string, remoteDir: string, options: { signal: AbortSignal }): Promise<void>;
  download(remotePath: string, localPath: string, options: { signal: AbortSignal }): Promise<void>;
  downloadDir(remoteDir: string, localDir: string, options: { signal: AbortSignal }): Promise<void>;
  /** True for a directory, false for a file, undefined when the path does not exist. */
  isDirectory(remotePath: string, signal: AbortSignal): Promise<boolean | undefined>;
  close(): Promise<void>;
  /** How a tool of the host's (Ansible) opens its own SSH connection; only the ssh communicator has one. */
  sshLogin?(): SshLogin;
}

/** What a host tool needs to log in to the machine over SSH as the build does. */
export interface SshLogin {
  host: string;
  port: number;
  username: string;
  password: string | undefined;
  privateKeyFile: string | undefined;
  agentAuth: boolean;
  /** The jump host, when the build goes through one. */
  bastion: { host: string; port: number } | undefined;
}

/** The connection dropped while a command ran (a reboot, a crash); expect_disconnect turns it into success. */
export class DisconnectedError extends Error {
  constructor(command: string) {
    super(
      `the SSH connection closed while "${command.length > 60 ? `${command.slice(0, 60)}…` : command}" was running, before it reported an exit status`,
    );
    this.name = 'DisconnectedError';
  }
}
