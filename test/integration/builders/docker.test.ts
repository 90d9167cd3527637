import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import {
  containerIds,
  importBusyboxImage,
  startRegistry,
  startTestDocker,
  type TestDocker,
  type TestRegistry,
} from '../../support/docker.js';
import { startCli } from '../../support/process.js';
import { startSshd, TEST_USER } from '../../support/sshd.js';
import { vagrant } from '../../support/vagrant.js';

let engine: TestDocker;
let docker: Docker;
const BASE = 'bw-test/busybox:1';
/** An image with its own entrypoint and command, which a committed image must keep. */
const ENTRY = 'bw-test/entry:1';

beforeAll(async () => {
  engine = await startTestDocker();
  docker = engine.docker;
  await importBusyboxImage(docker, BASE);
  await importBusyboxImage(docker, ENTRY, ['ENTRYPOINT ["/bin/echo", "entry:"]', 'CMD ["from-base"]']);
});

afterAll(async () => {
  await engine?.stop();
});

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(file)) throw new Error(`${file} did not appear`);
}

/** Runs a container from `image` to completion and returns what it printed. */
async function runImage(image: string, cmd?: string[], user?: string): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, User: user, Tty: true });
  try {
    await container.start();
    await container.wait();
    const logs = await container.logs({ stdout: true, stderr: true });
    return logs.toString().replace(/\r/g, '');
  } finally {
    await container.remove({ force: true });
  }
}

/** The files of a tar: name -> { mode, content }. */
async function readTar(file: string): Promise<Map<string, { mode: number; content: string; type: string }>> {
  const files = new Map<string, { mode: number; content: string; type: string }>();
  const extract = tar.extract();
  const input = createReadStream(file);
  (file.endsWith('.box') ? input.pipe(createGunzip()) : input).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    files.set(entry.header.name.replace(/^\.\//, ''), {
      mode: (entry.header.mode ?? 0) & 0o7777,
      content: Buffer.concat(chunks).toString(),
      type: entry.header.type ?? 'file',
    });
  }
  return files;
}

async function imageIds(): Promise<string[]> {
  return (await docker.listImages({ all: true })).map((i) => i.Id).sort();
}

describe('docker builder', () => {
  it('provisions with shell (inline and script) and file, commits with changes, and keeps the base entrypoint and command', async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'setup.sh'),
      '#!/bin/sh\nset -e\necho "script ran as $(id -un) with GREETING=$GREETING"\nmkdir -p /srv/app\necho v1 > /srv/app/version\n',
    );
    mkdirSync(path.join(dir, 'conf'));
    writeFileSync(path.join(dir, 'conf', 'app.conf'), 'port=8080\n');
    writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o750 });
    const t = writeTemplate(dir, {
      builders: [
        {
          type: 'docker',
          image: ENTRY,
          pull: false,
          commit: true,
          author: 'Ops <ops@example.com>',
          message: 'built by boxwright',
          changes: ['ENV APP_ENV=production', 'LABEL org.example.team=web', 'EXPOSE 8080', 'WORKDIR /srv/app'],
        },
      ],
      provisioners: [
        {
          type: 'shell',
          inline: [
            'echo "inline ran in $(pwd) as $(whoami)"',
            'test -d /packer-files && echo container_dir exists',
            'echo scratch > /packer-files/scratch',
          ],
        },
        { type: 'shell', script: 'setup.sh', environment_vars: ['GREETING=hello'] },
        { type: 'file', source: 'conf', destination: '/etc/' },
        { type: 'file', source: 'run.sh', destination: '/usr/bin/run-app' },
        // Passes only if the exit status survives the script's removal in the same command.
        { type: 'shell', inline: ['exit 7'], valid_exit_codes: [7] },
      ],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('inline ran in / as root');
    expect(run.stdout).toContain('container_dir exists');
    expect(run.stdout).toContain('script ran as root with GREETING=hello');
    const imageId = /Imported Docker image: (sha256:[0-9a-f]{64})/.exec(run.stdout)?.[1];
    expect(imageId, run.stdout).toBeDefined();

    const info = await docker.getImage(imageId!).inspect();
    expect(info.Config.Entrypoint).toEqual(['/bin/echo', 'entry:']);
    expect(info.Config.Cmd).toEqual(['from-base']);
    expect(info.Config.Env).toContain('APP_ENV=production');
    expect(info.Config.Labels).toEqual({ 'org.example.team': 'web' });
    expect(Object.keys(info.Config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(info.Config.WorkingDir).toBe('/srv/app');
    expect(info.Config.Tty).toBe(false);
    expect(info.Author).toBe('Ops <ops@example.com>');
    expect(info.Comment).toBe('built by boxwright');
    // Running the image the plain way uses the base image's entrypoint and command.
    expect((await runImage(imageId!)).trim()).toBe('entry: from-base');
    // The entrypoint is /bin/echo, so look at the files through a shell entrypoint.
    const shell = await docker.createContainer({
      Image: imageId!,
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: [
        'cat /srv/app/version /etc/conf/app.conf; stat -c %a /usr/bin/run-app; ls -A /packer-files; ls /tmp | grep script_; echo end',
      ],
      Tty: true,
    });
    await shell.start();
    await shell.wait();
    const out = (await shell.logs({ stdout: true, stderr: true })).toString().replace(/\r/g, '');
    await shell.remove({ force: true });
    // What a provisioner leaves in container_dir is not part of the image (as with Packer's
    // mount), and the shell provisioner's scripts are gone from /tmp.
    expect(out).toBe('v1\nport=8080\n750\nend\n');
    expect(await containerIds(docker)).toEqual([]);
  });

  it('export_path writes a tar of the container files with their modes; docker-import makes an image from it with changes', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, export_path: 'out/rootfs.tar' }],
      provisioners: [
        {
          type: 'shell',
          inline: ['mkdir -p /opt/tool', 'echo exported > /opt/tool/marker', 'chmod 640 /opt/tool/marker'],
        },
      ],
      'post-processors': [
        [
          {
            type: 'docker-import',
            repository: 'bw-test/imported',
            tag: '2.0',
            changes: ['CMD ["/bin/cat", "/opt/tool/marker"]'],
            keep_input_artifact: true,
          },
        ],
      ],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    const files = await readTar(path.join(dir, 'out/rootfs.tar'));
    expect(files.get('opt/tool/marker')).toMatchObject({ content: 'exported\n', mode: 0o640 });
    expect(files.get('bin/busybox')?.mode).toBe(0o755);
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['rootfs.tar']);
    expect(run.stdout).toContain('Imported Docker image: bw-test/imported:2.0');
    expect((await runImage('bw-test/imported:2.0')).trim()).toBe('exported');
    expect(await containerIds(docker)).toEqual([]);
  });

  it('discard keeps nothing but the checkpoints: no image, no container', async () => {
    const dir = tempDir();
    const before = await imageIds();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, discard: true }],
      provisioners: [{ type: 'shell', inline: ['touch /x'] }],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('Discarding the container.');
    const checkpoints = (await docker.listImages({ filters: { reference: ['boxwright-checkpoint'] } })).map(
      (i) => i.Id,
    );
    expect((await imageIds()).filter((id) => !checkpoints.includes(id))).toEqual(
      before.filter((id) => !checkpoints.includes(id)),
    );
    expect(await containerIds(docker)).toEqual([]);
  });

  it('exec_user runs commands as that user and fix_upload_owner gives uploads to them', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'note.txt'), 'mine\n');
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, discard: true, exec_user: 'app' }],
      provisioners: [
        { type: 'file', source: 'note.txt', destination: '/tmp/note.txt' },
        { type: 'shell', inline: ['echo "user=$(id -un) owner=$(stat -c %U /tmp/note.txt)"'] },
        // app cannot write to /etc: the script cannot travel in the command, so it is uploaded
        // as root and given to app, runs, and cannot be removed by app afterwards.
        { type: 'shell', inline: ['echo "ran $0 as $(id -un)"'], remote_folder: '/etc' },
      ],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('user=app owner=app');
    expect(run.stdout).toMatch(/ran \/etc\/script_\d+\.sh as app/);
    expect(run.all).toMatch(/Could not remove \/etc\/script_\d+\.sh from the machine; it stays there\./);
  });

  it("a shell script costs one exec: it travels on the exec's input and the same command removes it", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'setup.sh'), '#!/bin/sh\necho "setup ran as $0"\nexit 3\n');
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, discard: true }],
      provisioners: [
        { type: 'shell', script: 'setup.sh', valid_exit_codes: [3] },
        { type: 'shell', inline: ['echo "other scripts: $(ls /tmp | grep script_ | grep -vc "$(basename "$0")")"'] },
      ],
    });
    const since = Math.floor(Date.now() / 1000);
    const run = await runCli(['build', '-color=false', '-fingerprint=false', '-no-checkpoints', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toMatch(/setup ran as \/tmp\/script_\d+\.sh/);
    // The first script is gone by the time the second one looks.
    expect(run.stdout).toContain('other scripts: 0');
    const events = await docker.getEvents({
      since,
      until: Math.floor(Date.now() / 1000) + 1,
      filters: { type: ['container'] },
    });
    const container = /Container ID: ([0-9a-f]{64})/.exec(run.stdout)?.[1];
    expect(container, run.stdout).toBeDefined();
    const actions: string[] = [];
    for await (const chunk of events as AsyncIterable<Buffer>)
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const event = JSON.parse(line) as { Action: string; Actor: { ID: string } };
        if (event.Actor.ID === container) actions.push(event.Action.split(':')[0]!);
      }
    expect(actions.filter((a) => a === 'exec_create')).toHaveLength(2);
    expect(actions).not.toContain('extract-to-dir');
  });

  it('docker-tag names the image, docker-save writes a tar docker load reads, docker-push sends it to a registry it can be pulled back from', async () => {
    let registry: TestRegistry | undefined;
    try {
      registry = await startRegistry();
      const dir = tempDir();
      const repository = `${registry.address}/team/app`;
      const t = writeTemplate(dir, {
        variables: { registry_password: 'hunter2-registry' },
        'sensitive-variables': ['registry_password'],
        // A password written straight into the template is hidden like a sensitive variable.
        builders: [
          {
            type: 'docker',
            image: BASE,
            pull: false,
            commit: true,
            login: true,
            login_username: 'ci',
            login_password: 'literal-builder-pw',
            login_server: registry.address,
          },
        ],
        provisioners: [
          { type: 'shell', inline: ['echo pushed > /pushed', 'echo "the password is literal-builder-pw"'] },
        ],
        'post-processors': [
          [
            { type: 'docker-tag', repository, tags: ['1.0', 'latest'] },
            // The registry asks for no credentials; the login still goes to it, and the password must not be shown.
            { type: 'docker-push', login: true, login_username: 'ci', login_password: '{{user `registry_password`}}' },
            { type: 'docker-save', path: 'out/app.tar' },
          ],
        ],
      });
      const run = await runCli(['build', '-color=false', t], { cwd: dir });
      expect(run.code, run.all).toBe(0);
      expect(run.all).not.toContain('hunter2-registry');
      expect(run.all).not.toContain('literal-builder-pw');
      expect(run.stdout).toContain('the password is <sensitive>');
      expect(run.stdout).toContain(`Logging in to ${registry.address} as ci`);
      expect(run.stdout).toContain(`Pushed ${repository}:1.0`);
      expect(run.stdout).toContain(`Pushed ${repository}:latest`);
      const tags = (await (await fetch(`http://${registry.address}/v2/team/app/tags/list`)).json()) as {
        tags: string[];
      };
      expect(tags.tags.sort()).toEqual(['1.0', 'latest']);

      const saved = await readTar(path.join(dir, 'out/app.tar'));
      const manifest = JSON.parse(saved.get('manifest.json')!.content) as { RepoTags: string[] }[];
      expect(manifest[0]!.RepoTags).toContain(`${repository}:1.0`);

      // Pull it back: remove the local tags, pull from the registry, and run it.
      const id = (await docker.getImage(`${repository}:1.0`).inspect()).Id;
      await docker.getImage(`${repository}:1.0`).remove();
      await docker.getImage(`${repository}:latest`).remove();
      const stream = await docker.pull(`${repository}:1.0`);
      await new Promise((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))),
      );
      expect((await docker.getImage(`${repository}:1.0`).inspect()).Id).toBe(id);
      expect((await runImage(`${repository}:1.0`, ['cat', '/pushed'])).trim()).toBe('pushed');
    } finally {
      await registry?.stop();
    }
  });

  it('pull: an unreachable registry with a local copy goes on with a warning; without one it fails clearly', async () => {
    const dir = tempDir();
    // Port 1 on loopback refuses at once: the pull fails like an offline laptop's.
    await docker.getImage(BASE).tag({ repo: '127.0.0.1:1/offline/busybox', tag: '1' });
    const ok = await runCli(
      [
        'build',
        '-color=false',
        writeTemplate(dir, {
          builders: [{ type: 'docker', image: '127.0.0.1:1/offline/busybox:1', discard: true }],
          provisioners: [{ type: 'shell', inline: ['echo offline-ok'] }],
        }),
      ],
      { cwd: dir },
    );
    expect(ok.code, ok.all).toBe(0);
    expect(ok.all).toMatch(/Warning: could not pull 127\.0\.0\.1:1\/offline\/busybox:1 \(.+\); using the local copy\./);
    expect(ok.stdout).toContain('offline-ok');

    const missing = await runCli(
      [
        'build',
        '-color=false',
        writeTemplate(
          dir,
          { builders: [{ type: 'docker', image: '127.0.0.1:1/offline/absent:1', discard: true }] },
          'missing.json',
        ),
      ],
      { cwd: dir },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('could not pull 127.0.0.1:1/offline/absent:1, and there is no local copy');
    expect(missing.stderr).toContain('set "pull": false');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('a failing provisioner leaves no container and no image behind', async () => {
    const dir = tempDir();
    const before = await imageIds();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, commit: true }],
      provisioners: [{ type: 'shell', inline: ['echo about to fail', 'exit 7'] }],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('exited with code 7');
    expect(run.stdout).toContain('Removing the container');
    expect(await containerIds(docker)).toEqual([]);
    expect(await imageIds()).toEqual(before);
  });

  it('Ctrl-C during provisioning removes the container', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, commit: true }],
      provisioners: [{ type: 'shell', inline: ['echo provisioning-started', 'sleep 60'] }],
    });
    const before = await imageIds();
    const run = startCli(['build', '-color=false', t], dir, { DOCKER_HOST: engine.host });
    const until = Date.now() + 30_000;
    while ((await docker.listContainers()).length === 0) {
      if (Date.now() > until) throw new Error('the build did not start a container');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Let the provisioner start, then interrupt as a user would.
    await new Promise((r) => setTimeout(r, 1000));
    run.signal('SIGINT');
    const { code, output } = await run.exit;
    expect(code, output).toBe(1);
    expect(output).toContain('Removing the container');
    expect(await containerIds(docker)).toEqual([]);
    expect(await imageIds()).toEqual(before);
  });

  it('SIGKILL leaves the container, named with the run; the next build names it and boxwright cleanup removes it', async () => {
    const dir = tempDir();
    // Its own temp folder and cache, so that no other test's build sees this run's leftovers.
    const env = { DOCKER_HOST: engine.host, TMPDIR: tempDir(), BOXWRIGHT_CACHE_DIR: path.join(dir, 'cache') };
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, discard: true }],
      provisioners: [{ type: 'shell', inline: ['echo provisioning-started', 'sleep 60'] }],
    });
    const run = startCli(['build', '-color=false', t], dir, env);
    const until = Date.now() + 60_000;
    while (!run.output().includes('provisioning-started')) {
      if (Date.now() > until) throw new Error(`the build did not start provisioning:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    run.signal('SIGKILL');
    await run.exit;
    const [left] = await docker.listContainers({ all: true });
    expect(left?.Names[0]).toMatch(/^\/boxwright-pid\d+-docker-[0-9a-f]{8}$/);

    const next = await startCli(
      ['build', '-color=false', writeTemplate(dir, { builders: [{ type: 'null' }] }, 'next.json')],
      dir,
      env,
    ).exit;
    expect(next.output).toContain(`container ${left!.Names[0]!.slice(1)} (running)`);
    const cleanup = await startCli(['cleanup'], dir, env).exit;
    expect(cleanup.code, cleanup.output).toBe(0);
    expect(cleanup.output).toContain(`container ${left!.Names[0]!.slice(1)} (running): removed`);
    expect(await containerIds(docker)).toEqual([]);
  });

  it('Ctrl-C during docker-save stops at once, before the daemon has written the tar, and leaves no tar', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, commit: true }],
      // A layer large enough that the daemon takes seconds to write the image's tar.
      provisioners: [{ type: 'shell', inline: ['head -c 800000000 /dev/urandom > /big'] }],
      'post-processors': [[{ type: 'docker-save', path: 'out/app.tar' }]],
    });
    const before = await imageIds();
    const run = startCli(['build', '-color=false', t], dir, { DOCKER_HOST: engine.host });
    const until = Date.now() + 120_000;
    while (!run.output().includes('Saving image')) {
      if (Date.now() > until) throw new Error(`the build did not reach docker-save:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    const signalled = Date.now();
    run.signal('SIGINT');
    const { code, output } = await run.exit;
    const stoppedMs = Date.now() - signalled;
    expect(code, output).toBe(1);
    expect(output).toContain('cancelled');
    expect(stoppedMs, output).toBeLessThan(1500);
    expect(existsSync(path.join(dir, 'out')) ? readdirSync(path.join(dir, 'out')) : []).toEqual([]);
    for (const image of await docker.listImages())
      if (!(image.RepoTags ?? []).some((t) => t.startsWith('bw-test/')))
        await docker.getImage(image.Id).remove({ force: true });
  });

  it('Ctrl-C during the commit waits for it and removes the image it made: nothing untagged is left', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, commit: true }],
      // A layer large enough that the commit takes a moment.
      provisioners: [{ type: 'shell', inline: ['head -c 800000000 /dev/urandom > /big'] }],
    });
    const before = await imageIds();
    // The image's commit, not a checkpoint's, is what this cancels.
    const run = startCli(['build', '-color=false', '-no-checkpoints', t], dir, { DOCKER_HOST: engine.host });
    const until = Date.now() + 120_000;
    while (!run.output().includes('Committing the container')) {
      if (Date.now() > until) throw new Error(`the build did not reach the commit:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    run.signal('SIGINT');
    const { code, output } = await run.exit;
    expect(code, output).toBe(1);
    expect(output).toContain('cancelled');
    expect(await imageIds()).toEqual(before);
    expect(await containerIds(docker)).toEqual([]);
  });

  it('runs two docker builds of one template in parallel (each waits for the other through a shared volume)', async () => {
    const dir = tempDir();
    const shared = path.join(dir, 'shared');
    mkdirSync(shared);
    const waitFor = (mine: string, theirs: string) => [
      `touch /shared/${mine}`,
      `timeout 30 sh -c 'until [ -f /shared/${theirs} ]; do sleep 0.1; done'`,
      `echo ${mine} saw ${theirs}`,
    ];
    const t = writeTemplate(dir, {
      builders: [
        { type: 'docker', name: 'one', image: BASE, pull: false, discard: true, volumes: { [shared]: '/shared' } },
        { type: 'docker', name: 'two', image: BASE, pull: false, discard: true, volumes: { [shared]: '/shared' } },
      ],
      provisioners: [
        { type: 'shell', inline: waitFor('one', 'two'), only: ['one'] },
        { type: 'shell', inline: waitFor('two', 'one'), only: ['two'] },
      ],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toContain('one saw two');
    expect(run.stdout).toContain('two saw one');
    expect(await containerIds(docker)).toEqual([]);
  });

  it('streams a large upload through the archive endpoint intact, and honours DOCKER_HOST=tcp://', async () => {
    const dir = tempDir();
    const big = path.join(dir, 'big.bin');
    // 48 MiB of varied bytes: enough that holding it whole would show, and a checksum proves it arrived.
    const out = openSync(big, 'w');
    const hash = createHash('sha256');
    for (let i = 0; i < 48; i++) {
      const block = randomBytes(1024 * 1024);
      writeSync(out, block);
      hash.update(block);
    }
    closeSync(out);
    const sum = hash.digest('hex');
    // A TCP endpoint on loopback that forwards to the daemon's socket, as a remote daemon would be reached.
    const socketPath = engine.host.slice('unix://'.length);
    const proxy = createServer((client) => {
      const upstream = connect(socketPath);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const t = writeTemplate(dir, {
        builders: [{ type: 'docker', image: BASE, pull: false, discard: true }],
        provisioners: [
          { type: 'file', source: 'big.bin', destination: '/tmp/big.bin' },
          { type: 'shell', inline: ['sha256sum /tmp/big.bin'] },
        ],
      });
      const run = await runCli(['build', '-color=false', t], { cwd: dir });
      expect(run.code, run.all).toBe(0);
      expect(run.stdout).toContain(`${sum}  /tmp/big.bin`);
    } finally {
      process.env.DOCKER_HOST = previous;
      proxy.close();
    }
  });

  it('says how to fix an unreachable daemon', async () => {
    const dir = tempDir();
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${dir}/no-such.sock`;
    try {
      const run = await runCli(
        ['build', '-color=false', writeTemplate(dir, { builders: [{ type: 'docker', image: BASE, discard: true }] })],
        { cwd: dir },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cannot reach the Docker daemon at unix://${dir}/no-such.sock`);
      expect(run.stderr).toContain('DOCKER_HOST');
    } finally {
      process.env.DOCKER_HOST = previous;
    }
  });
});

describe('DOCKER_HOST=ssh://', () => {
  it('builds on a daemon reached over SSH (docker system dial-stdio), with the key in an SSH agent', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    // The SSH account is not root: it reaches the daemon through a socket of its own.
    const relay = path.join(dir, 'docker.sock');
    const daemon = engine.host.slice('unix://'.length);
    const server = createServer((client) => {
      const upstream = connect(daemon);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(relay, resolve));
    chmodSync(relay, 0o666);
    const sshd = await startSshd([`SetEnv DOCKER_HOST=unix://${relay}`]);
    const agentSocket = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    try {
      await waitForFile(agentSocket);
      execFileSync('ssh-add', ['-q', sshd.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
      const t = writeTemplate(dir, {
        builders: [{ type: 'docker', image: BASE, pull: false, discard: true }],
        provisioners: [{ type: 'shell', inline: ['echo "over ssh in $(cat /etc/hostname | cut -c1-4)..."'] }],
      });
      const run = await startCli(['build', '-color=false', t], dir, {
        DOCKER_HOST: `ssh://${TEST_USER}@127.0.0.1:${sshd.port}`,
        SSH_AUTH_SOCK: agentSocket,
      }).exit;
      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(/over ssh in \w{4}\.\.\./);
      expect(await containerIds(docker)).toEqual([]);
    } finally {
      agent.kill();
      await sshd.dispose();
      server.close();
    }
  });
});

describe('docker checkpoints', () => {
  const checkpointImages = async () =>
    (await docker.listImages({ filters: { reference: ['boxwright-checkpoint'] } })).flatMap((i) => i.RepoTags ?? []);
  /** The checkpoints made since `before`. */
  const newCheckpoints = async (before: string[]) =>
    (await checkpointImages()).filter((t) => !before.includes(t)).sort();

  it('keeps the container after each provisioner and resumes from the longest match; an edit reruns from it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'one.sh'), '#!/bin/sh\necho step one ran\necho one > /srv-one\n');
    const template = (third: string) => ({
      variables: { token: 'tok-9d1e5c7a' },
      'sensitive-variables': ['token'],
      builders: [{ type: 'docker', image: BASE, pull: false, commit: true }],
      provisioners: [
        { type: 'shell', script: 'one.sh' },
        {
          type: 'shell',
          inline: ['echo step two ran', 'echo two > /srv-two'],
          environment_vars: ['TOKEN={{user `token`}}'],
        },
        { type: 'shell', inline: [third] },
      ],
      'post-processors': [{ type: 'docker-tag', repository: 'bw-test/checkpointed', tag: ['latest'] }],
    });
    const build = async (third: string, ...flags: string[]) => {
      const t = writeTemplate(dir, template(third));
      const run = await runCli(['build', '-color=false', ...flags, t], { cwd: dir });
      expect(run.code, run.all).toBe(0);
      return run.all;
    };
    /** A build of an edited template, with checkpoints limited to `maxSize`. */
    const buildEdited = async (edit: (t: ReturnType<typeof template>) => void, maxSize = '20GiB') => {
      const edited = template('echo step three v2');
      edit(edited);
      const run = await runCli(['build', '-color=false', writeTemplate(dir, edited)], {
        cwd: dir,
        env: { BOXWRIGHT_CHECKPOINTS_MAX_SIZE: maxSize },
      });
      expect(run.code, run.all).toBe(0);
      return run.all;
    };

    const earlier = await checkpointImages();
    const first = await build('echo step three ran');
    expect(first).toContain('step one ran');
    expect(first).toContain('Kept a checkpoint after provisioner 3 of 3');
    expect(first).not.toContain('Resuming');
    expect(await newCheckpoints(earlier)).toHaveLength(3);

    const again = await build('echo step three ran');
    expect(again).toMatch(
      /Resuming from the checkpoint after provisioner 3 of 3 \(saved \d{4}-\d\d-\d\dT[\d:]+Z\); pass -no-checkpoints/,
    );
    expect(again).not.toContain('step one ran');
    expect(again).not.toContain('step three ran');
    // The image is the machine all the provisioners made.
    expect(await runImage('bw-test/checkpointed:latest', ['cat', '/srv-one', '/srv-two'])).toBe('one\ntwo\n');

    const edited = await build('echo step three v2');
    expect(edited).toContain('Resuming from the checkpoint after provisioner 2 of 3');
    expect(edited).toContain('step three v2');
    expect(edited).not.toContain('step two ran');

    writeFileSync(path.join(dir, 'one.sh'), '#!/bin/sh\necho step one ran again\necho one > /srv-one\n');
    const script = await build('echo step three v2');
    expect(script).not.toContain('Resuming');
    expect(script).toContain('step one ran again');

    const kept = await newCheckpoints(earlier);
    // Three, one after the edited third provisioner, three after the edited script.
    expect(kept).toHaveLength(7);
    const scratch = await build('echo step three v2', '-no-checkpoints');
    expect(scratch).not.toContain('Resuming');
    expect(scratch).not.toContain('Kept a checkpoint');
    expect(scratch).toContain('step one ran again');
    expect(await newCheckpoints(earlier)).toEqual(kept);
    // The template's own switch does what -no-checkpoints does.
    const off = await buildEdited((t) => Object.assign(t.builders[0]!, { checkpoints: false }));
    expect(off).not.toContain('Resuming');
    expect(off).not.toContain('Kept a checkpoint');
    expect(await newCheckpoints(earlier)).toEqual(kept);

    // A checkpoint holds the machine; its name, labels and history hold no value of the template.
    for (const tag of kept) {
      const described = JSON.stringify([await docker.getImage(tag).inspect(), await docker.getImage(tag).history()]);
      expect(described).not.toContain('tok-9d1e5c7a');
      expect(described).toContain('boxwright checkpoint after provisioner');
    }

    // A provisioner marked not reproducible always runs, and so does every one after it.
    const latest = await buildEdited((t) => Object.assign(t.provisioners[1]!, { reproducible: false }));
    expect(latest).toContain('Resuming from the checkpoint after provisioner 1 of 3');
    expect(latest).toContain(
      'No checkpoints from provisioner 2 of 3 on: provisioners[1] is marked "reproducible": false',
    );
    expect(latest).toContain('step two ran');
    expect(latest).not.toContain('Kept a checkpoint');

    // Beyond the size cap, the oldest checkpoints go; the build's own stay.
    writeFileSync(path.join(dir, 'one.sh'), '#!/bin/sh\necho step one ran a third time\necho one > /srv-one\n');
    const capped = await buildEdited(() => {}, '1');
    expect(capped).toContain('Kept a checkpoint after provisioner 3 of 3');
    expect(capped).toMatch(
      /Removed the checkpoint boxwright-checkpoint:\w+ \(after provisioner 1 of 3 of docker\): checkpoints may take 0\.0 MiB \(BOXWRIGHT_CHECKPOINTS_MAX_SIZE\)/,
    );
    const survivors = await checkpointImages();
    expect(survivors).toHaveLength(3);
    expect(survivors.filter((t) => kept.includes(t))).toEqual([]);
    const badCap = await runCli(['build', '-color=false', writeTemplate(dir, template('true'))], {
      cwd: dir,
      env: { BOXWRIGHT_CHECKPOINTS_MAX_SIZE: 'plenty' },
    });
    expect(badCap.code).toBe(1);
    expect(badCap.stderr).toContain('BOXWRIGHT_CHECKPOINTS_MAX_SIZE="plenty" is not a size');

    // boxwright cache lists them and prunes them.
    const ls = await runCli(['cache', 'ls'], { cwd: dir });
    expect(ls.code, ls.all).toBe(0);
    expect(ls.stdout).toMatch(/after provisioner 3 of 3 of docker, saved \d{4}-.*MiB/);
    expect(ls.stdout).toMatch(/In all [\d.]+ MiB: each size is what a checkpoint adds/);
    const all = await checkpointImages();
    expect(ls.stdout.split('\n').filter((l) => l.includes('after provisioner'))).toHaveLength(all.length);
    const young = await runCli(['cache', 'prune', '-older-than', '1h'], { cwd: dir });
    expect(young.stdout).toContain(`Removed 0 checkpoint(s); ${all.length} kept.`);
    const prune = await runCli(['cache', 'prune'], { cwd: dir });
    expect(prune.code, prune.all).toBe(0);
    expect(prune.stdout).toContain(`Removed ${all.length} checkpoint(s); 0 kept.`);
    expect(await checkpointImages()).toEqual([]);
  });
});

describe('vagrant post-processor, docker provider', () => {
  it('makes a box that points at the tagged image, keeps the image, and the real `vagrant box add` takes it', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', name: 'app', image: BASE, pull: false, commit: true }],
      provisioners: [{ type: 'shell', inline: ['echo boxed > /boxed'] }],
      'post-processors': [
        [
          { type: 'docker-tag', repository: 'bw-test/vagrant-app', tags: ['3.1'] },
          { type: 'vagrant', box_name: 'bw/app', box_version: '3.1.0' },
        ],
      ],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    const box = path.join(dir, 'boxes/packer_app_docker.box');
    const files = await readTar(box);
    expect(JSON.parse(files.get('metadata.json')!.content)).toEqual({ provider: 'docker' });
    expect(files.get('Vagrantfile')!.content).toContain('docker.image = "bw-test/vagrant-app:3.1"');
    // The box is only a pointer: the image it names must still be there after the build.
    expect((await runImage('bw-test/vagrant-app:3.1', ['cat', '/boxed'])).trim()).toBe('boxed');
    const { home } = await vagrant(['box', 'add', path.join(dir, 'boxes/bw-app.json')]);
    const { stdout } = await vagrant(['box', 'list'], home);
    expect(stdout).toMatch(/bw\/app\s+\(docker, 3\.1\.0/);
  });
});

describe('docker communicator downloads', () => {
  it('the file provisioner downloads a file and a directory from the container', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'docker', image: BASE, pull: false, discard: true }],
      provisioners: [
        {
          type: 'shell',
          inline: ['mkdir -p /data/sub', 'echo a > /data/a.txt', 'echo b > /data/sub/b.txt', 'chmod 600 /data/a.txt'],
        },
        { type: 'file', direction: 'download', source: '/data/a.txt', destination: 'got/a.txt' },
        { type: 'file', direction: 'download', source: '/data/', destination: 'tree' },
      ],
    });
    const run = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(readFileSync(path.join(dir, 'got/a.txt'), 'utf8')).toBe('a\n');
    expect(statSync(path.join(dir, 'got/a.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'tree/sub/b.txt'), 'utf8')).toBe('b\n');
  });
});
