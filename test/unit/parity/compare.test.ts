import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { Fingerprint } from '../../../src/core/fingerprint.js';
import { compareFingerprints } from '../../../src/parity/compare.js';
import { formatReport, verdictLine } from '../../../src/parity/report.js';
import { DEFAULT_RULES, parseIgnoreRule } from '../../../src/parity/rules.js';
import { Capture, tempDir } from '../../support/cli.js';

function machine(build: string, changes: Partial<Fingerprint> = {}): Fingerprint {
  return {
    schema: 1,
    build,
    builder_type: 'qemu',
    platform: 'vm',
    os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: '6.1.0-21-amd64',
    arch: 'x86_64',
    package_manager: 'dpkg',
    packages: { bash: '5.2.15-2+b7 amd64', nginx: '1.22.1-9 amd64', 'linux-image-6.1.0-21-amd64': '6.1.90-1 amd64' },
    users: { root: '0:0 /root /bin/bash', vagrant: '1000:1000 /home/vagrant /bin/bash' },
    groups: { sudo: '27 vagrant' },
    services: ['nginx.service', 'ssh.service'],
    ports: ['0.0.0.0:22', '0.0.0.0:80'],
    files: { '/srv/www/index.html': 'a'.repeat(64), '/etc/machine-id': '1'.repeat(64) },
    ignore: [],
    ...changes,
  };
}

describe('comparing fingerprints', () => {
  it('finds two equal machines equal, though their machine ids differ', () => {
    const a = machine('box');
    const b = machine('ami', { files: { ...a.files, '/etc/machine-id': '2'.repeat(64) } });
    const report = compareFingerprints(
      [
        { label: 'box', fingerprint: a },
        { label: 'ami', fingerprint: b },
      ],
      DEFAULT_RULES,
    );
    expect(report.differences).toEqual([]);
    expect(report.ignored).toEqual([{ reason: 'unique to each machine', keys: ['file /etc/machine-id'] }]);
    expect(verdictLine(report)).toMatch(
      /^Parity: EQUAL — box, ami are the same machine \(\d+ entries compared, 1 expected/,
    );
  });

  it('names each drift: a package only in one, another version, a changed file', () => {
    const a = machine('box');
    const b = machine('docker', {
      packages: { ...a.packages, jq: '1.6-2.1 amd64', nginx: '1.22.1-9+deb12u1 amd64' },
      files: { ...a.files, '/srv/www/index.html': 'b'.repeat(64) },
    });
    const report = compareFingerprints(
      [
        { label: 'box', fingerprint: a },
        { label: 'docker', fingerprint: b },
      ],
      DEFAULT_RULES,
    );
    expect(report.differences).toEqual([
      { category: 'package', key: 'jq', values: [undefined, '1.6-2.1 amd64'] },
      { category: 'package', key: 'nginx', values: ['1.22.1-9 amd64', '1.22.1-9+deb12u1 amd64'] },
      { category: 'file', key: '/srv/www/index.html', values: ['a'.repeat(64), 'b'.repeat(64)] },
    ]);
    const text = formatReport(report);
    expect(text).toBe(
      [
        '                         box             docker',
        '  packages',
        '    jq                   —               1.6-2.1 amd64           only in docker',
        '    nginx                1.22.1-9 amd64  1.22.1-9+deb12u1 amd64  other version',
        '  files',
        '    /srv/www/index.html  aaaaaaaaaaaa    bbbbbbbbbbbb            differs',
        'Parity: DRIFT — 3 differences (2 packages, 1 file) between box, docker.',
      ].join('\n'),
    );
  });

  it('compares the kernel, services and ports of a container only with other containers', () => {
    const vm = machine('vm');
    const container = machine('docker', { platform: 'container', kernel: '6.18.0-host', services: [], ports: [] });
    const report = compareFingerprints(
      [
        { label: 'vm', fingerprint: vm },
        { label: 'docker', fingerprint: container },
      ],
      DEFAULT_RULES,
    );
    expect(report.differences).toEqual([]);
    expect(report.ignored[0]).toEqual({
      reason: 'a container has no kernel or init of its own',
      keys: ['kernel', 'service nginx.service', 'service ssh.service', 'port 0.0.0.0:22', 'port 0.0.0.0:80'],
    });
    // Between two VMs the same difference is drift.
    const other = compareFingerprints(
      [
        { label: 'a', fingerprint: vm },
        { label: 'b', fingerprint: machine('b', { services: ['ssh.service'] }) },
      ],
      DEFAULT_RULES,
    );
    expect(other.differences).toEqual([{ category: 'service', key: 'nginx.service', values: ['enabled', undefined] }]);
  });

  it('sets aside kernel packages and guest tools by default, and whatever a rule adds', () => {
    const a = machine('a');
    const b = machine('b', {
      packages: {
        bash: a.packages['bash']!,
        nginx: a.packages['nginx']!,
        'linux-image-cloud-amd64': '6.1 amd64',
        'open-vm-tools': '12 amd64',
        htop: '3 amd64',
      },
    });
    const subjects = [
      { label: 'a', fingerprint: a },
      { label: 'b', fingerprint: b },
    ];
    expect(compareFingerprints(subjects, DEFAULT_RULES).differences.map((d) => d.key)).toEqual(['htop']);
    const withRule = compareFingerprints(subjects, [
      ...DEFAULT_RULES,
      parseIgnoreRule('package:htop', '-ignore', 'ignored by -ignore'),
    ]);
    expect(withRule.differences).toEqual([]);
    expect(withRule.ignored.map((g) => g.reason)).toEqual([
      'ignored by -ignore',
      'kernel and boot packages differ by platform',
      'hypervisor guest tools',
    ]);
  });

  it('refuses a rule for a category that does not exist, saying which exist', () => {
    expect(() => parseIgnoreRule('packge:htop', '-ignore')).toThrow(/names no category "packge"/);
    expect(() => parseIgnoreRule('file:', '-ignore')).toThrow(/no pattern/);
    expect(parseIgnoreRule('/etc/motd', '-ignore').matches('/etc/motd')).toBe(true);
  });
});

describe('boxwright parity', () => {
  async function parity(args: string[], files: Record<string, unknown>) {
    const dir = tempDir('parity-');
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), JSON.stringify(content));
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(['parity', ...args], { stdout, stderr, stdin: process.stdin, env: {}, cwd: dir });
    return { code, out: stdout.text, err: stderr.text };
  }
  const manifest = (run: string, ...fps: Fingerprint[]) => ({
    last_run_uuid: run,
    builds: [
      // An older run's build is not compared.
      { name: 'old', packer_run_uuid: 'before', fingerprint: machine('old', { packages: {} }) },
      ...fps.flatMap((fingerprint) => [
        { name: fingerprint.build, packer_run_uuid: run, fingerprint },
        // A second chain of one build: the same fingerprint again.
        { name: fingerprint.build, packer_run_uuid: run, fingerprint },
      ]),
    ],
  });

  it('reads the last run of packer-manifest.json and exits 0 when the builds are equal', async () => {
    const r = await parity([], { 'packer-manifest.json': manifest('now', machine('box'), machine('ami')) });
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Parity: EQUAL — box, ami are the same machine/m);
    expect(r.code).toBe(0);
  });

  it('exits 1 on drift and prints JSON for machines', async () => {
    const drifted = machine('docker', { packages: { ...machine('x').packages, jq: '1.6 amd64' } });
    const r = await parity(['-format=json'], { 'packer-manifest.json': manifest('now', machine('box'), drifted) });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      verdict: 'drift',
      builds: ['box', 'docker'],
      differences: [{ category: 'package', key: 'jq', values: { box: null, docker: '1.6 amd64' } }],
    });
    const ignored = await parity(['-ignore', 'package:jq'], {
      'packer-manifest.json': manifest('now', machine('box'), drifted),
    });
    expect(ignored.code).toBe(0);
    expect(ignored.out).toContain('ignored by -ignore: package jq');
  });

  it('compares fingerprint files and two manifests, naming builds of one name by their file', async () => {
    const files = { 'box.fingerprint.json': machine('box'), 'ami.fingerprint.json': machine('ami') };
    expect((await parity([], files)).code).toBe(0);
    const two = await parity(['laptop.json', 'ci.json'], {
      'laptop.json': manifest('a', machine('app')),
      'ci.json': manifest('b', machine('app', { kernel: '6.1.0-22-amd64' })),
    });
    expect(two.code).toBe(1);
    expect(two.out).toMatch(/laptop\.json:app\s+ci\.json:app/);
  });

  it('applies the ignore rules a template recorded in its fingerprints', async () => {
    const a = machine('a', { ignore: ['file:/srv/www/*'] });
    const b = machine('b', { files: { ...a.files, '/srv/www/index.html': 'c'.repeat(64) } });
    const r = await parity(['a.json', 'b.json'], { 'a.json': a, 'b.json': b });
    expect(r.out).toContain('ignored by the template: file /srv/www/index.html');
    expect(r.code).toBe(0);
  });

  it('exits 2 with what to do when there is nothing or too little to compare', async () => {
    const none = await parity([], {});
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/nothing to compare in .*: no packer-manifest\.json and no \*\.fingerprint\.json/);
    const one = await parity([], { 'packer-manifest.json': manifest('now', machine('box')) });
    expect(one.code).toBe(2);
    expect(one.err).toContain('found one fingerprint (box); parity needs two or more');
    const bad = await parity(['x.json'], { 'x.json': { hello: 1 } });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('is neither a manifest nor a fingerprint');
    expect((await parity(['missing.json'], {})).err).toMatch(/missing\.json does not exist/);
    expect((await parity(['-format=yaml'], {})).code).toBe(2);
    expect((await parity(['-ignore', 'nope:x'], { 'a.json': machine('a'), 'b.json': machine('b') })).code).toBe(2);
  });
});
