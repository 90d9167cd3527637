import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Artifact } from '../../src/core/artifact.js';
import { vagrantPostProcessor } from '../../src/post-processors/vagrant/index.js';
import { debianBaseImage } from '../support/base-image.js';
import { tempDir } from '../support/cli.js';
import { ensurePacker } from '../support/packer.js';
import { runContext } from '../support/plugin-context.js';

export interface PackerBox {
  level: number;
  path: string;
  /** From the line that starts its post-processor to the next one (or its artifact), as Node received them. */
  seconds: number;
}

export interface PackerBoxes {
  version: string;
  dir: string;
  /** Packer's qemu artifact, the disk both tools pack. */
  disk: string;
  boxes: PackerBox[];
}

/**
 * Packer 1.6.6's vagrant post-processor at each of `levels` in turn, on the 3 GiB Debian base disk.
 * Its post-processor needs a qemu build's artifact: the guest boots once, halts, and every
 * box is packed from that disk in turn. Packer's own clock counts whole seconds, so each
 * line of its machine-readable output is timed when Node reads it (Go writes it unbuffered).
 */
export async function packerBoxes(levels: number[]): Promise<PackerBoxes> {
  const version = ensurePacker();
  const dir = tempDir('boxwright-bench-');
  const base = path.join(dir, 'base.qcow2');
  copyFileSync(await debianBaseImage(), base);
  // A level may repeat (to time it more than once): each chain writes its own box.
  const boxPath = (i: number) => path.join(dir, `packer-${i + 1}-level-${levels[i]}.box`);
  writeFileSync(
    path.join(dir, 'packer.json'),
    JSON.stringify({
      builders: [
        {
          type: 'qemu',
          iso_url: base,
          iso_checksum: 'none',
          disk_image: true,
          use_backing_file: false,
          skip_compaction: true,
          accelerator: 'tcg',
          headless: true,
          memory: 1024,
          output_directory: path.join(dir, 'packer-out'),
          vm_name: 'disk.qcow2',
          format: 'qcow2',
          ssh_username: 'vagrant',
          ssh_password: 'vagrant',
          ssh_timeout: '5m',
          shutdown_command: 'sudo poweroff',
        },
      ],
      // One chain per level, each keeping the disk for the next.
      'post-processors': levels.map((level, i) => [
        { type: 'vagrant', compression_level: level, keep_input_artifact: true, output: boxPath(i) },
      ]),
    }),
  );
  const child = spawn('packer', ['build', '-machine-readable', 'packer.json'], {
    cwd: dir,
    env: { ...process.env, PACKER_CACHE_DIR: path.join(dir, 'packer_cache'), CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: { at: number; fields: string[] }[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) =>
    lines.push({ at: performance.now(), fields: l.split(',') }),
  );
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const output = lines.map((l) => l.fields.join(',')).join('\n');
  if (status !== 0) throw new Error(`packer build failed (${status}):\n${output}\n${stderr}`);

  const starts = lines.filter(
    (l) => l.fields[3] === 'say' && /Running post-processor: vagrant/.test(l.fields.slice(4).join(',')),
  );
  const boxed = lines.filter(
    (l) => l.fields[2] === 'artifact' && l.fields[4] === 'builder-id' && /vagrant/.test(l.fields[5] ?? ''),
  );
  if (starts.length !== levels.length || boxed.length !== levels.length)
    throw new Error(`expected ${levels.length} vagrant post-processors in Packer's output:\n${output}`);
  return {
    version,
    dir,
    disk: path.join(dir, 'packer-out', 'disk.qcow2'),
    boxes: levels.map((level, i) => ({
      level,
      path: boxPath(i),
      seconds: ((starts[i + 1]?.at ?? boxed[i]!.at) - starts[i]!.at) / 1000,
    })),
  };
}

/** The qemu artifact boxwright's vagrant post-processor gets for Packer's disk. */
export function qemuArtifact(disk: string): Artifact {
  return {
    builderId: 'boxwright.qemu',
    kind: 'qemu-disk',
    id: 'disk',
    files: [disk],
    description: '',
    destroy: async () => {},
    disk: { format: 'qcow2', accelerator: 'tcg', firmware: { kind: 'bios' } },
  };
}

/** Seconds boxwright's vagrant post-processor takes to pack `disk` into `box` at Packer's `level`, and what it said. */
export async function packWithBoxwright(
  disk: string,
  box: string,
  level: number,
): Promise<{ seconds: number; lines: string[] }> {
  const { ctx, ui } = runContext(path.dirname(box), { buildName: 'bench' });
  const started = performance.now();
  await vagrantPostProcessor.process(
    {
      boxName: 'bench',
      boxVersion: undefined,
      boxDescription: undefined,
      catalog: false,
      output: box,
      compressionLevel: level,
      include: [],
      vagrantfileTemplate: undefined,
      providerOverride: undefined,
      architecture: undefined,
      override: {},
    },
    qemuArtifact(disk),
    ctx,
  );
  return { seconds: (performance.now() - started) / 1000, lines: ui.lines };
}
