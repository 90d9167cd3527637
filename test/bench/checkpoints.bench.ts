import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { cacheDirectory } from '../../src/util/download.js';
import { debianBaseRootfs } from '../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../support/cli.js';
import { importRootfsImage, startTestDocker } from '../support/docker.js';
import { recordResults } from './results.js';

const REPO = path.resolve(__dirname, '../..');

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
    const packages = path.join(cacheDirectory(), 'packages', 'nginx-light');
    if (!existsSync(path.join(packages, 'Packages')))
      execFileSync('sh', [path.join(REPO, 'templates/dev-prod/scripts/fetch-packages.sh'), packages, 'nginx-light']);
    const dir = tempDir('boxwright-bench-');
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
    const build = async (motd: string) => {
      const template = writeTemplate(dir, {
        builders: [{ type: 'docker', image, pull: false, commit: true }],
        provisioners: [
          { type: 'file', source: `${packages}/`, destination: '/tmp/app-packages' },
          { type: 'shell', script: 'install.sh' },
          { type: 'shell', inline: [`echo '${motd}' > /etc/motd`] },
        ],
      });
      const started = performance.now();
      const run = await runCli(['build', '-color=false', template], { cwd: dir });
      expect(run.code, run.all).toBe(0);
      return { seconds: (performance.now() - started) / 1000, output: run.all };
    };
    await runCli(['cache', 'prune'], { cwd: dir });
    const first = await build('version 1');
    const rebuild = await build('version 2');
    expect(rebuild.output).toContain('Resuming from the checkpoint after provisioner 2 of 3');
    const ratio = rebuild.seconds / first.seconds;
    recordResults('checkpoints', { firstSeconds: first.seconds, rebuildSeconds: rebuild.seconds, ratio });
    console.log(
      [
        'docker build from the Debian base rootfs: upload a package repository, install nginx-light, write /etc/motd',
        `first build                          ${first.seconds.toFixed(1).padStart(6)} s`,
        `rebuild after editing the last step  ${rebuild.seconds.toFixed(1).padStart(6)} s  (${ratio.toFixed(2)} x the first)`,
      ].join('\n'),
    );
    await runCli(['cache', 'prune'], { cwd: dir });
  } finally {
    await engine.stop();
  }
});
