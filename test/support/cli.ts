import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach } from 'vitest';
import { main } from '../../src/cli/main.js';

/** Collects what a stream receives, as text. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions that do not care which. */
  all: string;
}

/** Runs the CLI in this process with captured output, in `cwd`. */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string },
): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BOXWRIGHT_CHECKPOINT_DIR: testCheckpointDir(),
    ...options.env,
  };
  // Relative paths in templates resolve against the process's directory, as for a user.
  const previous = process.cwd();
  const listenersBefore = process.listeners('SIGINT');
  process.chdir(options.cwd);
  const running = main(args, { stdout, stderr, stdin, env, cwd: options.cwd });
  const run = { previous, listenersBefore, running };
  pending.add(run);
  let code: number;
  try {
    code = await running;
  } finally {
    if (pending.delete(run)) process.chdir(previous);
  }
  return { code, stdout: stdout.text, stderr: stderr.text, all: stdout.text + stderr.text };
}

/** Runs whose test ended (timed out) before them. */
const pending = new Set<{ previous: string; listenersBefore: unknown[]; running: Promise<number> }>();

const made: string[] = [];
afterEach(async () => {
  await cancelOutlivingRuns();
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Cancels, as one Ctrl-C would, the runs that outlived their test (it timed out), and
 * leaves their directory, so that one hung build fails one test and not every later one on
 * process.cwd(). Call it before removing fakes the runs still use.
 */
export async function cancelOutlivingRuns(): Promise<void> {
  const runs = [...pending];
  if (!runs.length) return;
  pending.clear();
  process.chdir(runs[0]!.previous);
  // Each listener once: a second call is a second Ctrl-C, which exits the process.
  const listeners = new Set(process.listeners('SIGINT').filter((l) => !runs[0]!.listenersBefore.includes(l)));
  for (const listener of listeners) (listener as (signal: string) => void)('SIGINT');
  await Promise.race([
    Promise.allSettled(runs.map((r) => r.running)),
    new Promise((resolve) => setTimeout(resolve, 30_000)),
  ]);
}

/** A fresh directory removed after the test. */
export function tempDir(prefix = 'boxwright-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

let checkpointDir: string | undefined;

/**
 * Where this test process's builds keep disk checkpoints: apart from the user's cache, so
 * that no test resumes from a checkpoint an earlier run kept.
 */
export function testCheckpointDir(): string {
  return (checkpointDir ??= tempDir('boxwright-checkpoints-'));
}

/** Writes a template (object or raw text) into `dir` and returns its path. */
export function writeTemplate(dir: string, template: unknown, name = 'template.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof template === 'string' ? template : JSON.stringify(template, null, 2));
  return file;
}
