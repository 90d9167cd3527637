import { spawn } from 'node:child_process';
import path from 'node:path';
import { testCheckpointDir } from './cli.js';

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True if the process is still there after up to `ms`: an orphan is reaped by init a moment after it dies. */
export async function stillAlive(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (processExists(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return processExists(pid);
}

export interface RunningCli {
  exit: Promise<{ code: number | null; output: string }>;
  signal(sig: NodeJS.Signals): void;
  /** What it has printed so far, stdout and stderr together. */
  output(): string;
}

const BIN = path.resolve(__dirname, '../../bin/boxwright');

/** Starts the compiled CLI as a real child process, as a user's shell would. */
export function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BOXWRIGHT_CHECKPOINT_DIR: testCheckpointDir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return {
    exit: new Promise((resolve) => child.on('close', (code) => resolve({ code, output }))),
    signal: (sig) => child.kill(sig),
    output: () => output,
  };
}
