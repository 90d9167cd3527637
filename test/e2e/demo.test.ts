import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fingerprint } from '../../src/core/fingerprint.js';
import { debianBaseImage, debianBaseRootfs } from '../support/base-image.js';
import { tempDir, testCheckpointDir } from '../support/cli.js';
import { startTestDocker, type TestDocker } from '../support/docker.js';

const REPO = path.resolve(__dirname, '../..');

/** Runs a command to its end, keeping what it printed (the demo prints a lot; the test shows it on failure). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

let docker: TestDocker;
beforeAll(async () => {
  // The demo finds the base disk and its files in the cache, as a second run on a laptop would;
  // made here first so that it never races another test file building them.
  await debianBaseImage();
  await debianBaseRootfs();
  docker = await startTestDocker();
}, 900_000);
afterAll(async () => {
  await docker?.stop();
});

describe('npm run demo, the README main command (the slow test)', () => {
  it('builds every local artifact of templates/dev-prod from a clean clone and finds them the same machine', async () => {
    const clone = path.join(tempDir(), 'boxwright');
    execFileSync('git', ['clone', '-q', REPO, clone]);
    // npm install would fetch what the checkout already has; the clone borrows it.
    symlinkSync(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'));
    // Disk checkpoints apart from the user's cache: the first run starts from nothing.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DOCKER_HOST: docker.host,
      BOXWRIGHT_CHECKPOINT_DIR: testCheckpointDir(),
    };
    for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
    const started = Date.now();
    const demo = await run('npm', ['run', '--silent', 'demo'], clone, env);
    console.log(`npm run demo took ${Math.round((Date.now() - started) / 1000)} s`);
    expect(demo.code, demo.out.slice(-6000)).toBe(0);

    // The base disk was in the cache (as on a second run): the demo used it rather than building one.
    expect(demo.out).toMatch(/Base image: .*debian12-[0-9a-f]{16}\.qcow2 \(cached\)/);
    expect(demo.out).toContain('AWS: skipped — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(demo.out).toMatch(/Parity: EQUAL — app, app-docker are the same machine/);
    const out = path.join(clone, 'demo');
    const catalogFile = path.join(out, 'boxes/boxwright-app.json');
    expect(demo.out).toContain(`vagrant box add ${catalogFile}`);
    expect(demo.out).toContain('docker run --rm -p 8080:80 boxwright/app:1.0.0');

    // One catalog offers the box of every local platform, each file where the catalog says.
    const catalog = JSON.parse(readFileSync(catalogFile, 'utf8')) as {
      name: string;
      versions: { version: string; providers: { name: string; url: string }[] }[];
    };
    expect(catalog.name).toBe('boxwright/app');
    const providers = catalog.versions.find((v) => v.version === '1.0.0')!.providers;
    expect(providers.map((p) => p.name).sort()).toEqual(['libvirt', 'virtualbox', 'vmware_desktop']);
    for (const p of providers) expect(existsSync(new URL(p.url)), p.url).toBe(true);

    // The manifest: one disk under every box, and a fingerprint of each build.
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
      last_run_uuid: string;
      builds: { name: string; packer_run_uuid: string; disk?: { sha256: string }; fingerprint?: Fingerprint }[];
    };
    const last = manifest.builds.filter((b) => b.packer_run_uuid === manifest.last_run_uuid);
    const disks = new Set(last.filter((b) => b.name === 'app').map((b) => b.disk?.sha256));
    expect(disks.size).toBe(1);
    expect([...disks][0]).toMatch(/^[0-9a-f]{64}$/);
    const app = last.find((b) => b.name === 'app')!.fingerprint!;
    const container = last.find((b) => b.name === 'app-docker')!.fingerprint!;
    expect(app.packages['nginx-light']).toMatch(/^1\.22\./);
    expect(container.packages).toEqual(app.packages);
    expect(app.services).toEqual(expect.arrayContaining(['nginx.service', 'app-status.service']));
    expect(Object.keys(app.files)).toContain('/var/www/html/index.html');

    // The image serves the page: nginx's configuration holds and the page is the template's.
    const image = 'boxwright/app:1.0.0';
    const inImage = (cmd: string[]) =>
      execFileSync('docker', ['run', '--rm', '--network=none', '--entrypoint', cmd[0]!, image, ...cmd.slice(1)], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    expect(inImage(['nginx', '-t']) + '').toBe('');
    expect(inImage(['cat', '/var/www/html/index.html'])).toBe(
      readFileSync(path.join(REPO, 'templates/dev-prod/files/index.html'), 'utf8'),
    );

    // A second run after editing the page, as on a laptop: both builds resume after the
    // packages' upload. The VM continues the machine saved with the checkpoint, without a
    // boot, so the upload in /tmp is still there and nginx still comes from the template's
    // packages, the same as the container's.
    const page = path.join(clone, 'templates/dev-prod/files/index.html');
    writeFileSync(page, readFileSync(page, 'utf8').replace('</body>', '<p>edited</p></body>'));
    const editedAt = Date.now();
    const again = await run('npm', ['run', '--silent', 'demo'], clone, env);
    console.log(`npm run demo after an edit took ${Math.round((Date.now() - editedAt) / 1000)} s`);
    expect(again.code, again.out.slice(-6000)).toBe(0);
    expect(again.out).toMatch(/app-docker: Resuming from the checkpoint after provisioner 1 of 4/);
    expect(again.out).toMatch(/app: Resuming from the checkpoint after provisioner 1 of 4/);
    expect(again.out).toContain('app: Continuing the machine saved with the checkpoint (its memory too: no boot)');
    expect(again.out).not.toContain('app: Running provisioner 1 of 4 again');
    expect(again.out).toMatch(/Parity: EQUAL — app, app-docker are the same machine/);
    expect(inImage(['cat', '/var/www/html/index.html'])).toContain('<p>edited</p>');

    // Run once more with nothing changed: the container resumes after the last provisioner,
    // and the VM's finished disk is exported without starting the machine.
    const unchangedAt = Date.now();
    const unchanged = await run('npm', ['run', '--silent', 'demo'], clone, env);
    console.log(`npm run demo with nothing changed took ${Math.round((Date.now() - unchangedAt) / 1000)} s`);
    expect(unchanged.code, unchanged.out.slice(-6000)).toBe(0);
    expect(unchanged.out).toMatch(/app-docker: Resuming from the checkpoint after provisioner 4 of 4/);
    expect(unchanged.out).toMatch(/app: Nothing changed since a build that finished/);
    expect(unchanged.out).not.toMatch(/app: Starting the virtual machine/);
    expect(unchanged.out).toMatch(/Parity: EQUAL — app, app-docker are the same machine/);
  }, 2_400_000);
});
