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
}

/** A connection to a machine: run commands and move files. ssh, docker and none implement it. */
export interface Communicator {
  readonly type: CommunicatorType;
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  upload(localPath: string, remotePath: string, options: { signal: AbortSignal; mode?: number }): Promise<void>;
  uploadDir(localDir: string, remoteDir: string, options: { signal: AbortSignal }): Promise<void>;
  download(remotePath: string, localPath: string, options: { signal: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}
