import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Artifact } from '../../src/core/artifact.js';
import { vagrantPostProcessor } from '../../src/post-processors/vagrant/index.js';
import { debianBaseImage } from '../support/base-image.js';
import { tempDir } from '../support/cli.js';
import { recordingUi } from '../support/ssh.js';
import { ensurePacker } from '../support/packer.js';
import { recordResults } from './results.js';

/**
 * Packaging the 3 GiB Debian base disk as a libvirt box at compression level 6: Packer
 * 1.6.6's vagrant post-processor (timed from its machine-readable lines: the post-processor
 * starts, the box artifact appears) against boxwright's, on the same qcow2, in one run.
 */
it('libvirt box: boxwright vs Packer 1.6.6 on the 3 GiB base disk', async () => {
  const version = ensurePacker();
  const base = await debianBaseImage();
  const dir = tempDir('boxwright-bench-');
  const disk = path.join(dir, 'base.qcow2');
  copyFileSync(base, disk);
  const packerBox = path.join(dir, 'packer.box');
  // Packer's vagrant post-processor needs a qemu build's artifact; the guest boots, halts, and the disk is kept as is.
  writeFileSync(
    path.join(dir, 'packer.json'),
    JSON.stringify({
      builders: [
        {
          type: 'qemu',
          iso_url: disk,
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
      'post-processors': [{ type: 'vagrant', compression_level: 6, keep_input_artifact: true, output: packerBox }],
    }),
  );
  const run = spawnSync('packer', ['build', '-machine-readable', 'packer.json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PACKER_CACHE_DIR: path.join(dir, 'packer_cache'), CHECKPOINT_DISABLE: '1' },
  });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const lines = run.stdout.split('\n').map((l) => l.split(','));
  const started = lines.find((l) => l[3] === 'say' && /Running post-processor: vagrant/.test(l.slice(4).join(',')));
  const boxed = lines.find((l) => l[2] === 'artifact' && l[4] === 'builder-id' && /vagrant/.test(l[5] ?? ''));
  expect(started && boxed, 'Packer printed its post-processor lines').toBeTruthy();
  const packerSeconds = Number(boxed![0]) - Number(started![0]);

  const output = path.join(dir, 'packer-out', 'disk.qcow2');
  const artifact: Artifact = {
    builderId: 'boxwright.qemu',
    kind: 'qemu-disk',
    id: 'disk',
    files: [output],
    description: '',
    destroy: async () => {},
    disk: { format: 'qcow2', accelerator: 'tcg', firmware: { kind: 'bios' } },
  };
  /** Seconds boxwright takes to write `box`. */
  const boxwright = async (box: string) => {
    const t = performance.now();
    await vagrantPostProcessor.process(
      {
        boxName: 'bench',
        boxVersion: undefined,
        boxDescription: undefined,
        catalog: false,
        output: box,
        compressionLevel: 6,
        include: [],
        vagrantfileTemplate: undefined,
        providerOverride: undefined,
        architecture: undefined,
        override: {},
      },
      artifact,
      {
        buildName: 'bench',
        packerBuildName: 'bench',
        buildType: 'qemu',
        ui: recordingUi(),
        signal: new AbortController().signal,
        prompt: undefined as never,
        debug: false,
        log: () => {},
        render: (s: string) => s,
        templateDir: dir,
        cwd: dir,
        runUuid: 'bench',
        startedAt: new Date(),
        redact: <T>(v: T) => v,
        force: false,
      },
    );
    return (performance.now() - t) / 1000;
  };
  const ourBox = path.join(dir, 'boxwright.box');
  const oursSeconds = await boxwright(ourBox);
  expect(existsSync(packerBox) && existsSync(ourBox)).toBe(true);
  const mib = (f: string) => (statSync(f).size / 1024 ** 2).toFixed(1);
  recordResults('vagrant-box', {
    packerSeconds,
    boxwrightSeconds: oursSeconds,
    packerBytes: statSync(packerBox).size,
    boxwrightBytes: statSync(ourBox).size,
    timeRatio: oursSeconds / packerSeconds,
  });
  console.log(
    [
      `${version}; input ${output} (${mib(output)} MiB qcow2, 3 GiB virtual); compression level 6`,
      `Packer 1.6.6  ${packerSeconds.toFixed(0).padStart(5)} s  ${mib(packerBox).padStart(8)} MiB  (whole seconds: Packer's machine-readable clock)`,
      `boxwright     ${oursSeconds.toFixed(1).padStart(5)} s  ${mib(ourBox).padStart(8)} MiB`,
      `boxwright is ${(packerSeconds / oursSeconds).toFixed(2)}x as fast; its box is ${(((statSync(ourBox).size - statSync(packerBox).size) / statSync(packerBox).size) * 100).toFixed(2)}% larger than Packer's`,
    ].join('\n'),
  );
  // Both boxes must hold the same disk, or the comparison means nothing.
  execFileSync('sh', [
    '-c',
    `cd ${dir} && mkdir p b && tar -xzf packer.box -C p box.img && tar -xzf boxwright.box -C b box.img`,
  ]);
  expect(
    execFileSync('qemu-img', ['compare', path.join(dir, 'p/box.img'), path.join(dir, 'b/box.img')], {
      encoding: 'utf8',
    }),
  ).toContain('Images are identical');
});
