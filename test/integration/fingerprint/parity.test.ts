import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fingerprint } from '../../../src/core/fingerprint.js';
import { debianBaseImage, debianBaseRootfs } from '../../support/base-image.js';
import { runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { importRootfsImage, startTestDocker, type TestDocker } from '../../support/docker.js';

/** A tiny Debian package made here, so that installing it needs no network. */
function makeDeb(dir: string, name: string, version: string, files: Record<string, string>): void {
  const root = path.join(dir, `${name}-root`);
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(
    path.join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: boxwright tests <tests@example.com>\nDescription: a package the parity test installs\n`,
  );
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  mkdirSync(path.join(dir, 'debs'), { recursive: true });
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', root, path.join(dir, 'debs', `${name}.deb`)], {
    stdio: 'ignore',
  });
}

/** A test directory with debs/: the application's package and the extra one a drift installs. */
function dirWithPackages(): string {
  const dir = tempDir();
  makeDeb(dir, 'bw-parity-app', '1.0', { 'opt/app/run.sh': '#!/bin/sh\necho app\n' });
  makeDeb(dir, 'bw-parity-extra', '2.0', { 'opt/extra/README': 'extra\n' });
  return dir;
}

const readPrint = (dir: string, build: string) =>
  JSON.parse(readFileSync(path.join(dir, `${build}.fingerprint.json`), 'utf8')) as Fingerprint;

let docker: TestDocker;
let base: string;
let dockerBase: string;
beforeAll(async () => {
  docker = await startTestDocker();
  base = await debianBaseImage();
  const rootfs = await debianBaseRootfs();
  dockerBase = await importRootfsImage(docker.docker, rootfs.tar, `bw-test/debian12-base:${rootfs.digest}`);
}, 900_000);
afterAll(async () => {
  await docker?.stop();
});

// One script, two platforms: DRIFT=true (set for the container only) installs one more package and edits one file.
const script = [
  'dpkg -i /tmp/debs/bw-parity-app.deb',
  'echo "listen 8080" > /etc/app.conf',
  'if [ "$DRIFT" = true ]; then dpkg -i /tmp/debs/bw-parity-extra.deb; echo "debug on" >> /etc/app.conf; fi',
];
const provisioners = [
  { type: 'file', source: 'debs/', destination: '/tmp/debs' },
  {
    type: 'shell',
    inline: script,
    environment_vars: ['DRIFT=false'],
    execute_command: "{{ .Vars }} sudo -E sh '{{ .Path }}'",
    override: { ctr: { environment_vars: ['DRIFT={{user `drift`}}'] } },
  },
  { type: 'fingerprint', files: ['/etc/app.conf', '/opt/app/**'] },
];

describe('fingerprints and parity, on a QEMU guest from the base disk and a container from its files (real QEMU, TCG here)', () => {
  it('finds the two builds of one script equal, and names exactly the package and file an injected drift changes', async () => {
    const dir = dirWithPackages();
    const t = writeTemplate(dir, {
      variables: { drift: 'false' },
      builders: [
        {
          type: 'qemu',
          name: 'vm',
          iso_url: base,
          iso_checksum: 'none',
          disk_image: true,
          headless: true,
          memory: 1024,
          cpus: 2,
          ssh_username: 'vagrant',
          ssh_password: 'vagrant',
          ssh_timeout: '5m',
          shutdown_command: 'sudo poweroff',
          output_directory: 'out-vm',
        },
        { type: 'docker', name: 'ctr', image: dockerBase, pull: false, discard: true },
      ],
      provisioners,
      'post-processors': [{ type: 'manifest', output: 'manifest.json' }],
    });

    const equal = await runCli(['build', '-color=false', t], { cwd: dir });
    expect(equal.code, equal.all).toBe(0);
    expect(equal.stdout).toMatch(/Parity: EQUAL — vm, ctr are the same machine/);
    const vm = readPrint(dir, 'vm');
    const ctr = readPrint(dir, 'ctr');
    expect([vm.platform, ctr.platform]).toEqual(['vm', 'container']);
    expect(vm.os).toEqual(ctr.os);
    expect(vm.os.id).toBe('debian');
    expect(vm.packages['bw-parity-app']).toBe('1.0 all');
    expect(ctr.packages).toEqual(vm.packages);
    expect(Object.keys(vm.files)).toEqual(['/etc/app.conf', '/opt/app/run.sh']);
    expect(ctr.files).toEqual(vm.files);
    expect(vm.services).toContain('ssh.service');
    expect(Object.values(vm.users)).toContain('1000:1000 /home/vagrant /bin/bash');
    // The user's name is also the build's SSH password, a secret: no fingerprint shows it alone.
    for (const fp of [vm, ctr]) expect(JSON.stringify(fp)).not.toContain('"vagrant"');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.builds.map((b: { fingerprint?: Fingerprint }) => b.fingerprint?.build).sort()).toEqual([
      'ctr',
      'vm',
    ]);
    expect((await runCli(['parity'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['parity', 'manifest.json'], { cwd: dir })).code).toBe(0);

    // The container drifts; the VM's fingerprint from the first run is compared with the new one.
    const drifted = await runCli(['build', '-color=false', '-only=ctr', '-var', 'drift=true', t], { cwd: dir });
    expect(drifted.code, drifted.all).toBe(0);
    const parity = await runCli(['parity', '-format=json', 'vm.fingerprint.json', 'ctr.fingerprint.json'], {
      cwd: dir,
    });
    expect(parity.code, parity.all).toBe(1);
    const report = JSON.parse(parity.stdout) as { differences: unknown[] };
    expect(report.differences).toEqual([
      { category: 'package', key: 'bw-parity-extra', values: { vm: null, ctr: '2.0 all' } },
      {
        category: 'file',
        key: '/etc/app.conf',
        values: { vm: expect.stringMatching(/^[0-9a-f]{64}$/), ctr: expect.stringMatching(/^[0-9a-f]{64}$/) },
      },
    ]);
    const text = await runCli(['parity', 'vm.fingerprint.json', 'ctr.fingerprint.json'], { cwd: dir });
    expect(text.stdout).toMatch(
      /packages\n\s+bw-parity-extra\s+—\s+2\.0 all\s+only in ctr\n\s+files\n\s+\/etc\/app\.conf/,
    );
    expect(text.stdout).toContain('Parity: DRIFT — 2 differences (1 package, 1 file) between vm, ctr.');
  }, 900_000);

  it('-parity=fail fails a run whose builds drifted, keeps their artifacts, and -fingerprint=false takes none', async () => {
    const dir = dirWithPackages();
    const t = writeTemplate(dir, {
      variables: { drift: 'true' },
      builders: [
        { type: 'docker', name: 'steady', image: dockerBase, pull: false, commit: true },
        { type: 'docker', name: 'ctr', image: dockerBase, pull: false, commit: true },
      ],
      provisioners,
    });
    const run = await runCli(['build', '-color=false', '-parity=fail', t], { cwd: dir });
    expect(run.code, run.all).toBe(1);
    expect(run.stdout).toContain('Parity: DRIFT — 2 differences (1 package, 1 file) between steady, ctr.');
    expect(run.stderr).toContain('-parity=fail');
    const images = [...run.stdout.matchAll(/--> (?:steady|ctr): Imported Docker image: (sha256:[0-9a-f]+)/g)].map(
      (m) => m[1]!,
    );
    expect(images).toHaveLength(2);
    for (const id of images) await docker.docker.getImage(id).remove({ force: true });

    const quiet = tempDir();
    const plain = writeTemplate(quiet, {
      builders: [{ type: 'docker', name: 'one', image: dockerBase, pull: false, discard: true }],
      provisioners: [{ type: 'shell', inline: ['true'] }],
    });
    const off = await runCli(['build', '-color=false', '-fingerprint=false', plain], { cwd: quiet });
    expect(off.code, off.all).toBe(0);
    expect(off.stdout).not.toContain('Fingerprinted');
    expect(() => readPrint(quiet, 'one')).toThrow(/ENOENT/);
  }, 300_000);
});
