import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tempDir } from './cli.js';

/** Runs the real `vagrant` with a throwaway VAGRANT_HOME; resolves to its output, rejects with it on failure. */
export async function vagrant(
  args: string[],
  home = tempDir('boxwright-vagrant-home-'),
): Promise<{ stdout: string; home: string }> {
  try {
    const { stdout } = await promisify(execFile)('vagrant', args, {
      env: { ...process.env, VAGRANT_HOME: home, VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, home };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`vagrant ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}
