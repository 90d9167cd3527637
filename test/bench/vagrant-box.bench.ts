import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { packerBoxes, packWithBoxwright } from './packer-boxes.js';
import { recordResults } from './results.js';

/** "1.27% smaller than" or "0.40% larger than". */
function sizeDifference(ours: number, theirs: number): string {
  const percent = ((ours - theirs) / theirs) * 100;
  return `${Math.abs(percent).toFixed(2)}% ${percent <= 0 ? 'smaller' : 'larger'} than`;
}

const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' ');

/**
 * Packaging the 3 GiB Debian base disk as a libvirt box at compression level 6: Packer
 * 1.6.6's vagrant post-processor against boxwright's, on the same qcow2, in one run, three
 * times each (a single pack varies by 10-20% on a 2-core machine; the medians are compared).
 * The issue's target: no slower than Packer, and no larger.
 */
it('libvirt box: boxwright vs Packer 1.6.6 on the 3 GiB base disk', async () => {
  const packer = await packerBoxes(Array<number>(RUNS).fill(6));
  const packerBox = packer.boxes[0]!;
  const ourBox = path.join(packer.dir, 'boxwright.box');
  // The disk was just written by Packer's guest; both tools read it from the page cache.
  const ours: number[] = [];
  let lines: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await packWithBoxwright(packer.disk, ourBox, 6);
    ours.push(run.seconds);
    lines = run.lines;
  }
  const packerRuns = packer.boxes.map((b) => b.seconds);
  const packerSeconds = median(packerRuns);
  const ourSeconds = median(ours);
  const engine = /\(gzip: (.+)\)$/m.exec(lines.join('\n'))?.[1] ?? 'unknown';
  const size = (f: string) => statSync(f).size;
  const mib = (f: string) => (size(f) / 1024 ** 2).toFixed(1);
  recordResults('vagrant-box', {
    engine,
    packerSeconds,
    boxwrightSeconds: ourSeconds,
    packerRuns,
    boxwrightRuns: ours,
    packerBytes: size(packerBox.path),
    boxwrightBytes: size(ourBox),
    timeRatio: ourSeconds / packerSeconds,
  });
  console.log(
    [
      `${packer.version}; input ${packer.disk} (${mib(packer.disk)} MiB qcow2, 3 GiB virtual); compression level 6; median of ${RUNS} runs`,
      `Packer 1.6.6  ${packerSeconds.toFixed(1).padStart(5)} s  ${mib(packerBox.path).padStart(8)} MiB  (runs: ${seconds(packerRuns)} s)`,
      `boxwright     ${ourSeconds.toFixed(1).padStart(5)} s  ${mib(ourBox).padStart(8)} MiB  (${engine}; runs: ${seconds(ours)} s)`,
      `boxwright takes ${(ourSeconds / packerSeconds).toFixed(2)} x Packer's time; its box is ${sizeDifference(size(ourBox), size(packerBox.path))} Packer's`,
    ].join('\n'),
  );
  // Both boxes must hold the same disk, or the comparison means nothing.
  execFileSync('sh', [
    '-c',
    `cd ${packer.dir} && mkdir p b && tar -xzf ${packerBox.path} -C p box.img && tar -xzf boxwright.box -C b box.img`,
  ]);
  expect(
    execFileSync('qemu-img', ['compare', path.join(packer.dir, 'p/box.img'), path.join(packer.dir, 'b/box.img')], {
      encoding: 'utf8',
    }),
  ).toContain('Images are identical');
  expect(size(ourBox), "boxwright's box is no larger than Packer's").toBeLessThanOrEqual(size(packerBox.path));
});
