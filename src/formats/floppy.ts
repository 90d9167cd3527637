import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HostToolError, runHostTool } from '../util/host-tool.js';
import { UserError } from '../base/errors.js';

/** A 3½" high-density floppy: what Packer's floppy_files make and what installers look for. */
const FLOPPY_BYTES = 1_474_560;

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await treeBytes(full) : (await stat(full)).size;
  }
  return total;
}

/** Makes a FAT12 1.44 MB floppy image of the folder `stage` with mtools (no root, no loop device). */
export async function makeFloppy(stage: string, image: string, label: string, signal: AbortSignal): Promise<void> {
  const bytes = await treeBytes(stage);
  // The FAT and root directory take about 16 KiB of the disk.
  if (bytes > FLOPPY_BYTES - 16 * 1024)
    throw new UserError(
      `the floppy files add up to ${(bytes / 1024).toFixed(0)} KiB, more than a 1.44 MB floppy holds`,
      'put large files on a CD with cd_files, or serve them with http_directory',
    );
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  const run = async (tool: string, args: string[]) => {
    try {
      await runHostTool(tool, args, { signal, env, debianPackage: 'mtools' });
    } catch (err) {
      if (err instanceof HostToolError && err.missing)
        throw new Error(`${tool} is not installed; install the mtools package to use floppy_files`);
      throw err;
    }
  };
  await run('mformat', ['-i', image, '-C', '-f', '1440', '-v', label.toUpperCase().slice(0, 11), '::']);
  const entries = (await readdir(stage)).sort();
  if (entries.length)
    await run('mcopy', ['-i', image, '-s', '-Q', '-m', ...entries.map((e) => path.join(stage, e)), '::/']);
}
