import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { writeStreamOptimizedVmdk } from '../../src/formats/vmdk-stream.js';
import { debianBaseImage } from '../support/base-image.js';
import { tempDir } from '../support/cli.js';
import { recordResults } from './results.js';

/**
 * boxwright's streamOptimized writer against `qemu-img convert -O vmdk -o
 * subformat=streamOptimized`, on the same 3 GiB Debian base disk, in one run.
 * Goal (issue 6): at least 1.5 times faster, at most 5% larger.
 */
it('VMDK writer vs qemu-img on the 3 GiB base disk', async () => {
  const source = await debianBaseImage();
  const dir = tempDir('boxwright-bench-');
  const ours = path.join(dir, 'ours.vmdk');
  const theirs = path.join(dir, 'qemu.vmdk');

  let t = performance.now();
  await writeStreamOptimizedVmdk({ source, output: ours });
  const oursMs = performance.now() - t;

  t = performance.now();
  execFileSync('qemu-img', ['convert', '-O', 'vmdk', '-o', 'subformat=streamOptimized', source, theirs]);
  const theirsMs = performance.now() - t;

  const oursBytes = statSync(ours).size;
  const theirsBytes = statSync(theirs).size;
  const row = (name: string, ms: number, bytes: number) =>
    `${name.padEnd(10)} ${(ms / 1000).toFixed(2).padStart(7)} s ${(bytes / 1024 ** 2).toFixed(1).padStart(8)} MiB`;
  recordResults('vmdk-writer', {
    boxwrightMs: oursMs,
    qemuImgMs: theirsMs,
    boxwrightBytes: oursBytes,
    qemuImgBytes: theirsBytes,
    speedUp: theirsMs / oursMs,
  });
  console.log(
    [
      `source: ${source} (${(statSync(source).size / 1024 ** 2).toFixed(0)} MiB qcow2)`,
      row('boxwright', oursMs, oursBytes),
      row('qemu-img', theirsMs, theirsBytes),
      `speed-up ${(theirsMs / oursMs).toFixed(2)}x, size ${(((oursBytes - theirsBytes) / theirsBytes) * 100).toFixed(2)}% vs qemu-img`,
    ].join('\n'),
  );
  // The output must be the same disk, or the figures mean nothing.
  expect(
    execFileSync('qemu-img', ['compare', '-f', 'qcow2', '-F', 'vmdk', source, ours], { encoding: 'utf8' }),
  ).toContain('Images are identical');
});
