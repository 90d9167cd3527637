import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { cacheDirectory } from '../../src/util/download.js';
import { debianBaseImage, debianBaseRootfs } from '../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../support/cli.js';
import { importRootfsImage, startTestDocker } from '../support/docker.js';
import { startCli } from '../support/process.js';
import { qemuFromBase } from '../support/qemu-template.js';
import { recordResults } from './results.js';

const REPO = path.resolve(__dirname, '../..');

/** The offline package repository of nginx-light, fetched once into the cache. */
function nginxPackages(): string {
  const packages = path.join(cacheDirectory(), 'packages', 'nginx-light');
  if (!existsSync(path.join(packages, 'Packages')))
    execFileSync('sh', [path.join(REPO, 'templates/dev-prod/scripts/fetch-packages.sh'), packages, 'nginx-light']);
  return packages;
}

/** install.sh in `dir`: installs nginx-light from the repository uploaded to /tmp/app-packages. */
function writeInstallScript(dir: string): void {
  writeFileSync(
    path.join(dir, 'install.sh'),
    [
      '#!/bin/sh',
      'set -eu',
      'echo "deb [trusted=yes] file:/tmp/app-packages ./" > /etc/apt/sources.list.d/app.list',
      'apt-get update -qq -o Dir::Etc::sourcelist=sources.list.d/app.list -o Dir::Etc::sourceparts=-',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null',
      'rm -rf /tmp/app-packages /etc/apt/sources.list.d/app.list /var/lib/apt/lists/*',
    ].join('\n'),
  );
}

/** Prints and records the first build's and the rebuilds' times. */
function report(name: string, what: string, first: number, rebuild: number, unchanged?: number): void {
  const ratio = rebuild / first;
  const row = (label: string, seconds: number) =>
    `${label.padEnd(37)}${seconds.toFixed(1).padStart(6)} s  (${(seconds / first).toFixed(2)} x the first)`;
  recordResults(name, {
    firstSeconds: first,
    rebuildSeconds: rebuild,
    ratio,
    ...(unchanged === undefined ? {} : { unchangedSeconds: unchanged, unchangedRatio: unchanged / first }),
  });
  console.log(
    [
      what,
      `first build                          ${first.toFixed(1).padStart(6)} s`,
      row('rebuild after editing the last step', rebuild),
      ...(unchanged === undefined ? [] : [row('rebuild with nothing changed', unchanged)]),
    ].join('\n'),
  );
}

/**
 * A docker build of three provisioners, the first two installing nginx-light from an offline
 * package repository (as the flagship demo does), then the last one edited and the template
 * built again: the rebuild resumes from the checkpoint after the second provisioner.
 * Packer has no checkpoints, so its rebuild costs what the first build did; the figure that
 * matters is the rebuild's time as a fraction of the first build's.
 */
it('docker: editing the last of three provisioners and building again', async () => {
  const engine = await startTestDocker();
  try {
    const { tar } = await debianBaseRootfs();
    const image = await importRootfsImage(engine.docker, tar, 'bw-bench/debian:12');
    const packages = nginxPackages();
    const dir = tempDir('boxwright-bench-');
    const checkpoints = path.join(dir, 'checkpoints');
    writeInstallScript(dir);
    const build = async (motd: string) => {
      const template = writeTemplate(dir, {
        builders: [{ type: 'docker', image, pull: false, commit: true }],
        provisioners: [
          { type: 'file', source: `${packages}/`, destination: '/tmp/app-packages' },
          { type: 'shell', script: 'install.sh' },
          { type: 'shell', inline: [`echo '${motd}' > /etc/motd`] },
        ],
      });
      // The command as a user runs it: Node's start and loading boxwright count too.
      const started = performance.now();
      const run = await startCli(['build', '-color=false', template], dir, {
        DOCKER_HOST: engine.host,
        BOXWRIGHT_CHECKPOINT_DIR: checkpoints,
      }).exit;
      expect(run.code, run.output).toBe(0);
      return { seconds: (performance.now() - started) / 1000, output: run.output };
    };
    await runCli(['cache', 'prune'], { cwd: dir, env: { BOXWRIGHT_CHECKPOINT_DIR: checkpoints } });
    const first = await build('version 1');
    const rebuild = await build('version 2');
    expect(rebuild.output).toContain('Resuming from the checkpoint after provisioner 2 of 3');
    report(
      'checkpoints',
      'docker build from the Debian base rootfs: upload a package repository, install nginx-light, write /etc/motd',
      first.seconds,
      rebuild.seconds,
    );
    await runCli(['cache', 'prune'], { cwd: dir, env: { BOXWRIGHT_CHECKPOINT_DIR: checkpoints } });
  } finally {
    await engine.stop();
  }
});

/**
 * The same three provisioners on a qemu build of the Debian base disk. The rebuild
 * continues the machine saved after the second provisioner (its memory loads in about a
 * second, where booting its disk took about 20 s to SSH under TCG), runs the edited one,
 * and writes the disk out. A third build with nothing changed exports the finished
 * machine's disk without starting it.
 */
it('qemu: editing the last of three provisioners and building again', async () => {
  const base = await debianBaseImage();
  const packages = nginxPackages();
  const dir = tempDir('boxwright-bench-');
  writeInstallScript(dir);
  const env = { BOXWRIGHT_CHECKPOINT_DIR: path.join(dir, 'checkpoints') };
  const build = async (motd: string) => {
    const template = writeTemplate(dir, {
      builders: [qemuFromBase(base, { output_directory: 'out', vm_name: 'disk.qcow2' })],
      provisioners: [
        { type: 'file', source: `${packages}/`, destination: '/tmp/app-packages' },
        { type: 'shell', script: 'install.sh', execute_command: "sudo sh -c '{{ .Vars }} {{ .Path }}'" },
        { type: 'shell', inline: [`echo '${motd}' | sudo tee /etc/motd`] },
      ],
    });
    const started = performance.now();
    const run = await startCli(['build', '-color=false', '-force', template], dir, env).exit;
    expect(run.code, run.output).toBe(0);
    return { seconds: (performance.now() - started) / 1000, output: run.output };
  };
  const first = await build('version 1');
  const rebuild = await build('version 2');
  expect(rebuild.output).toContain('Resuming from the checkpoint after provisioner 2 of 3');
  expect(rebuild.output).toContain('Continuing the machine saved with the checkpoint');
  // Nothing changed: the finished machine's disk is exported without starting it.
  const unchanged = await build('version 2');
  expect(unchanged.output).toContain('Nothing changed since a build that finished');
  report(
    'checkpoints-qemu',
    'qemu build from the Debian base disk: upload a package repository, install nginx-light, write /etc/motd',
    first.seconds,
    rebuild.seconds,
    unchanged.seconds,
  );
}, 900_000);
