import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { debianBaseImage } from '../support/base-image.js';
import { tempDir } from '../support/cli.js';
import { ensurePacker, machineReadable } from '../support/packer.js';
import { recordResults } from './results.js';

const BOXWRIGHT = path.resolve(__dirname, '../../bin/boxwright');

/** One template both tools accept: the base disk, a small provisioner, a libvirt box. */
function template(disk: string, outDir: string, box: string) {
  return {
    builders: [
      {
        type: 'qemu',
        iso_url: disk,
        iso_checksum: 'none',
        disk_image: true,
        accelerator: 'tcg',
        headless: true,
        memory: 1024,
        cpus: 2,
        format: 'qcow2',
        output_directory: outDir,
        vm_name: 'disk.qcow2',
        ssh_username: 'vagrant',
        ssh_password: 'vagrant',
        ssh_timeout: '5m',
        shutdown_command: 'sudo poweroff',
      },
    ],
    provisioners: [{ type: 'shell', inline: ['uname -r', 'echo built | sudo tee /etc/built-by-bench'] }],
    'post-processors': [{ type: 'vagrant', compression_level: 6, output: box }],
  };
}

/**
 * A whole qemu build, from the 3 GiB Debian base disk to a libvirt box, with Packer 1.6.6 and
 * with boxwright, one after the other on this machine (TCG): wall-clock time of each command.
 */
it('qemu build to a libvirt box: boxwright vs Packer 1.6.6', async () => {
  const version = ensurePacker();
  const base = await debianBaseImage();
  const dir = tempDir('boxwright-bench-');
  const disk = path.join(dir, 'base.qcow2');
  copyFileSync(base, disk);
  const run = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) => {
    const box = path.join(dir, `${name}.box`);
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(template(disk, path.join(dir, `${name}-out`), box)));
    const started = performance.now();
    const result = spawnSync(command, [...args, `${name}.json`], { cwd: dir, encoding: 'utf8', env });
    const seconds = (performance.now() - started) / 1000;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(existsSync(box)).toBe(true);
    return { seconds, stdout: result.stdout, mib: statSync(box).size / 1024 ** 2 };
  };
  const packer = run('packer', 'packer', ['build', '-machine-readable'], {
    ...process.env,
    PACKER_CACHE_DIR: path.join(dir, 'packer_cache'),
    CHECKPOINT_DISABLE: '1',
  });
  // Its checkpoints go with the bench's folder: the bench measures a first build, and leaves nothing.
  const ours = run('boxwright', BOXWRIGHT, ['build', '-machine-readable'], {
    ...process.env,
    BOXWRIGHT_CHECKPOINT_DIR: path.join(dir, 'checkpoints'),
  });
  // Seconds to SSH, from each tool's own machine-readable clock: its first line, then the line that says it connected.
  const toSsh = (stdout: string) => {
    const lines = machineReadable(stdout);
    const at = lines.find((l) => l[2] === 'ui' && /Connected to SSH/.test(l.slice(4).join(',')))?.[0];
    return Number(at) - Number(lines[0]![0]);
  };
  // Each tool's steps with their second since its start, to see where the time goes.
  const timeline = (stdout: string) => {
    const lines = machineReadable(stdout);
    return lines
      .filter((l) => l[2] === 'ui' && l[3] === 'say')
      .map((l) => `+${Number(l[0]) - Number(lines[0]![0])}s ${l.slice(4).join(',')}`);
  };
  const packerSsh = toSsh(packer.stdout);
  const oursSsh = toSsh(ours.stdout);
  recordResults('qemu-build', {
    packerSeconds: packer.seconds,
    packerSecondsToSsh: packerSsh,
    boxwrightSecondsToSsh: oursSsh,
    boxwrightSeconds: ours.seconds,
    packerBoxMiB: packer.mib,
    boxwrightBoxMiB: ours.mib,
    timeRatio: ours.seconds / packer.seconds,
    packerTimeline: timeline(packer.stdout),
    boxwrightTimeline: timeline(ours.stdout),
  });
  console.log(
    [
      `${version}; base disk ${base}; TCG, 2 cores`,
      `Packer 1.6.6  ${packer.seconds.toFixed(1).padStart(6)} s  (to SSH about ${packerSsh} s)  box ${packer.mib.toFixed(1)} MiB`,
      `boxwright     ${ours.seconds.toFixed(1).padStart(6)} s  (to SSH about ${oursSsh} s)  box ${ours.mib.toFixed(1)} MiB`,
      `boxwright is ${(packer.seconds / ours.seconds).toFixed(2)}x as fast`,
    ].join('\n'),
  );
});

/**
 * Two qemu builds of one template at once, on this machine's cores (TCG): Packer starts both
 * machines together; boxwright starts the second when the first stops, so that the two do
 * not run each at half speed. Wall time of the whole run, and when the first build was done.
 */
it('two qemu builds of one template at once: boxwright vs Packer 1.6.6', async () => {
  ensurePacker();
  const base = await debianBaseImage();
  const dir = tempDir('boxwright-bench-');
  const disk = path.join(dir, 'base.qcow2');
  copyFileSync(base, disk);
  const twoBuilds = (name: string) => {
    const one = template(disk, '', '').builders[0]!;
    const builder = (b: string) => ({ ...one, name: b, output_directory: path.join(dir, `${name}-out-${b}`) });
    return { builders: [builder('a'), builder('b')], provisioners: template(disk, '', '').provisioners };
  };
  const run = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) => {
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(twoBuilds(name)));
    const started = performance.now();
    const result = spawnSync(command, [...args, `${name}.json`], { cwd: dir, encoding: 'utf8', env });
    const seconds = (performance.now() - started) / 1000;
    expect(result.status, result.stdout + result.stderr).toBe(0);
    // "Build 'a' finished after 1 minute 2 seconds.": the earlier of the two.
    const finished = [...result.stdout.matchAll(/Build '\w' finished after (?:(\d+) minutes? )?(\d+) seconds?/g)].map(
      (m) => Number(m[1] ?? 0) * 60 + Number(m[2]),
    );
    expect(finished).toHaveLength(2);
    return { seconds, firstDone: Math.min(...finished) };
  };
  const packer = run('packer', 'packer', ['build', '-color=false'], {
    ...process.env,
    PACKER_CACHE_DIR: path.join(dir, 'packer_cache'),
    CHECKPOINT_DISABLE: '1',
  });
  const ours = run('boxwright', BOXWRIGHT, ['build', '-color=false'], {
    ...process.env,
    BOXWRIGHT_CHECKPOINT_DIR: path.join(dir, 'checkpoints'),
  });
  recordResults('qemu-two-builds', {
    packerSeconds: packer.seconds,
    packerFirstDoneSeconds: packer.firstDone,
    boxwrightSeconds: ours.seconds,
    boxwrightFirstDoneSeconds: ours.firstDone,
    timeRatio: ours.seconds / packer.seconds,
  });
  console.log(
    [
      'two 2-CPU qemu builds of one template at once, TCG, 2 cores',
      `Packer 1.6.6  ${packer.seconds.toFixed(1).padStart(6)} s  (first build done after ${packer.firstDone} s)`,
      `boxwright     ${ours.seconds.toFixed(1).padStart(6)} s  (first build done after ${ours.firstDone} s)`,
      `boxwright takes ${(ours.seconds / packer.seconds).toFixed(2)} x Packer's time`,
    ].join('\n'),
  );
});
