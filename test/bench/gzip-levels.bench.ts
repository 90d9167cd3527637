import { statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { libdeflateEngine, LIBDEFLATE_LEVEL_FOR_PACKER } from '../../src/formats/gzip-engine.js';
import { writeBox } from '../../src/formats/vagrant-box.js';
import { packerBoxes } from './packer-boxes.js';
import { recordResults } from './results.js';

const LEVELS = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/**
 * The calibration behind LIBDEFLATE_LEVEL_FOR_PACKER: Packer 1.6.6's box at each
 * compression_level against boxwright's box writer with libdeflate at each of its levels, on
 * the base disk. Each Packer level must map to a libdeflate level whose box is at least 1%
 * smaller, so `compression_level` keeps its meaning: no larger than Packer's box.
 */
it("libdeflate's levels against Packer's compression_level, on the base disk", async () => {
  const packer = await packerBoxes(LEVELS);
  const ours: { level: number; seconds: number; bytes: number }[] = [];
  for (const level of LEVELS) {
    const started = performance.now();
    const box = await writeBox({
      entries: [{ name: 'box.img', path: packer.disk }],
      output: path.join(packer.dir, `libdeflate-${level}.box`),
      gzip: libdeflateEngine(level),
      mtime: new Date(0),
    });
    ours.push({ level, seconds: (performance.now() - started) / 1000, bytes: box.size });
  }
  const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1).padStart(7);
  console.log(
    [
      `level  Packer 1.6.6 (s, MiB)   libdeflate in the box writer (s, MiB)`,
      ...LEVELS.map((level, i) => {
        const p = packer.boxes[i]!;
        const o = ours[i]!;
        return `${String(level).padStart(5)}  ${p.seconds.toFixed(1).padStart(6)} ${mib(statSync(p.path).size)}   ${o.seconds.toFixed(1).padStart(6)} ${mib(o.bytes)}`;
      }),
      `mapping (Packer level -> libdeflate level): ${LEVELS.map((l) => `${l}->${LIBDEFLATE_LEVEL_FOR_PACKER[l]}`).join(' ')}`,
    ].join('\n'),
  );
  recordResults('gzip-levels', {
    packer: packer.boxes.map((b) => ({ level: b.level, seconds: b.seconds, bytes: statSync(b.path).size })),
    libdeflate: ours,
    mapping: LIBDEFLATE_LEVEL_FOR_PACKER,
  });
  for (const level of LEVELS) {
    const mapped = ours.find((o) => o.level === LIBDEFLATE_LEVEL_FOR_PACKER[level])!;
    expect(mapped.bytes, `libdeflate ${mapped.level} against Packer's level ${level}`).toBeLessThanOrEqual(
      statSync(packer.boxes[level - 1]!.path).size * 0.99,
    );
  }
});
