import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../../src/util/glob.js';
import {
  parseApkInstalled,
  parseDpkgQuery,
  parseEnabledServices,
  parseGroup,
  parseListening,
  parseOsRelease,
  parsePasswd,
  parseRpmQuery,
  parseSha256sum,
  splitSections,
} from '../../../src/fingerprint/parse.js';
import { searchRoot } from '../../../src/fingerprint/script.js';
import { fingerprintFromSections } from '../../../src/fingerprint/take.js';

const fixture = (name: string) =>
  readFileSync(path.join(__dirname, '../../fixtures/fingerprint', name), 'utf8').split('\n');

describe('the fingerprint of a Debian 12 machine, from what its fingerprint command printed', () => {
  const sections = splitSections(fixture('debian12-dpkg.txt'));
  const fp = fingerprintFromSections(
    sections,
    { build: 'app', builderType: 'qemu' },
    { files: ['/etc/ssh/sshd_config', '/etc/apt/**'], ignore: [] },
    false,
  );

  it('reads the release, kernel and architecture', () => {
    expect(fp.os).toEqual({ id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' });
    expect(fp.kernel).toMatch(/^\d+\.\d+/);
    expect(fp.arch).toBe('x86_64');
    // It was recorded on a machine that runs in a container (it has /.dockerenv).
    expect(fp.platform).toBe('container');
    expect(fp.package_manager).toBe('dpkg');
  });

  it('lists installed packages with version and architecture, and leaves out removed ones', () => {
    expect(fp.packages['bash']).toBe('5.2.15-2+b8 amd64');
    expect(fp.packages['bsdutils']).toBe('1:2.38.1-5+deb12u3 amd64');
    expect(fp.packages['ca-certificates']).toBe('20230311+deb12u1 all');
    expect(fp.packages).not.toHaveProperty('libfoo1');
    expect(Object.keys(fp.packages)).toHaveLength(29);
  });

  it('reads users with ids, home and shell, and groups with sorted members', () => {
    expect(fp.users['root']).toBe('0:0 /root /bin/bash');
    expect(fp.groups['sudo']).toBe('27');
    expect(parseGroup(['docker:x:998:vagrant,alice', 'adm:x:4:'])).toEqual({ docker: '998 alice,vagrant', adm: '4' });
  });

  it('keeps only the files the patterns match', () => {
    expect(Object.keys(fp.files)).toContain('/etc/ssh/sshd_config');
    expect(Object.keys(fp.files).every((f) => f === '/etc/ssh/sshd_config' || f.startsWith('/etc/apt/'))).toBe(true);
    expect(Object.values(fp.files).every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  });

  it('reads enabled services and listening sockets', () => {
    expect(fp.services).toContain('ssh.service');
    expect(fp.services.every((s) => s.endsWith('.service'))).toBe(true);
    expect(parseListening(['0.0.0.0:22', '[::]:22', '*:80', 'garbage', '0.0.0.0:22'])).toEqual([
      '*:80',
      '0.0.0.0:22',
      '[::]:22',
    ]);
  });

  it('says container when the communicator is docker or the machine has a container marker, else vm', () => {
    const unmarked = new Map(sections).set('container', []);
    const request = { files: [], ignore: [] };
    expect(fingerprintFromSections(unmarked, { build: 'c', builderType: 'qemu' }, request, false).platform).toBe('vm');
    expect(fingerprintFromSections(unmarked, { build: 'c', builderType: 'docker' }, request, true).platform).toBe(
      'container',
    );
  });
});

describe('the other parsers', () => {
  it('reads os-release with quoted and unquoted values', () => {
    expect(
      parseOsRelease([
        'NAME="Rocky Linux"',
        'VERSION_ID="9.3"',
        'ID=rocky',
        'PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"',
      ]),
    ).toEqual({ id: 'rocky', version_id: '9.3', pretty_name: 'Rocky Linux 9.3 (Blue Onyx)' });
    expect(parseOsRelease([])).toEqual({ id: 'unknown', version_id: '', pretty_name: '' });
  });

  it('reads rpm -qa in the format the script asks for, epochs and several kernels included', () => {
    expect(
      parseRpmQuery([
        'bash\t5.1.8-6.el9_1\tx86_64',
        'openssl\t1:3.0.7-24.el9\tx86_64',
        'kernel-core\t5.14.0-362.8.1.el9_3\tx86_64',
        'kernel-core\t5.14.0-362.13.1.el9_3\tx86_64',
        'gpg-pubkey\t350d275d-6279464b\t(none)',
      ]),
    ).toEqual({
      bash: '5.1.8-6.el9_1 x86_64',
      openssl: '1:3.0.7-24.el9 x86_64',
      'kernel-core': '5.14.0-362.8.1.el9_3 x86_64',
      'kernel-core 5.14.0-362.13.1.el9_3': '5.14.0-362.13.1.el9_3 x86_64',
      'gpg-pubkey': '350d275d-6279464b (none)',
    });
  });

  it('reads apk list -I, whose names may hold dashes and digits', () => {
    expect(
      parseApkInstalled([
        'musl-1.2.4-r2 x86_64 {musl} (MIT) [installed]',
        'ca-certificates-bundle-20230506-r0 x86_64 {ca-certificates} (MPL-2.0 AND MIT) [installed]',
        'libcrypto3-3.1.4-r1 x86_64 {openssl} (Apache-2.0) [installed]',
        'WARNING: opening from cache',
      ]),
    ).toEqual({
      musl: '1.2.4-r2 x86_64',
      'ca-certificates-bundle': '20230506-r0 x86_64',
      libcrypto3: '3.1.4-r1 x86_64',
    });
  });

  it('reads dpkg, passwd and sha256sum lines and skips what is not one', () => {
    expect(
      parseDpkgQuery(['ii \tnginx\t1.22.1-9\tamd64', 'rc \told\t1\tamd64', 'un \tgone\t\t', 'hi \theld\t2\tall']),
    ).toEqual({
      nginx: '1.22.1-9 amd64',
      held: '2 all',
    });
    expect(parsePasswd(['vagrant:x:1000:1000:,,,:/home/vagrant:/bin/bash', 'broken'])).toEqual({
      vagrant: '1000:1000 /home/vagrant /bin/bash',
    });
    const hash = 'a'.repeat(64);
    expect(
      parseSha256sum([`${hash}  /opt/app/run.sh`, `${hash} */bin/x`, 'sha256sum: /root: Permission denied']),
    ).toEqual({
      '/opt/app/run.sh': hash,
      '/bin/x': hash,
    });
    expect(parseEnabledServices(['ssh.service   enabled enabled', 'cron.timer enabled enabled', ''])).toEqual([
      'ssh.service',
    ]);
  });
});

describe('file patterns', () => {
  it('match like a shell, with ** across directories and a plain path taking what is under it', () => {
    const any = globMatcher('/opt/app/**');
    expect(any('/opt/app/run.sh')).toBe(true);
    expect(any('/opt/app/lib/x.js')).toBe(true);
    expect(any('/opt/application/x')).toBe(false);
    const conf = globMatcher('/etc/nginx/**/*.conf');
    expect(conf('/etc/nginx/nginx.conf')).toBe(true);
    expect(conf('/etc/nginx/sites/a.conf')).toBe(true);
    expect(conf('/etc/nginx/mime.types')).toBe(false);
    const one = globMatcher('/etc/ssh/ssh_host_*_key');
    expect(one('/etc/ssh/ssh_host_rsa_key')).toBe(true);
    expect(one('/etc/ssh/x/ssh_host_rsa_key')).toBe(false);
    expect(globMatcher('/srv/www')('/srv/www/index.html')).toBe(true);
    expect(globMatcher('/srv/www')('/srv/www2')).toBe(false);
    expect(globMatcher('linux-image-[0-9]*')('linux-image-6.1.0-21-amd64')).toBe(true);
  });

  it('are searched from the directory before their first glob', () => {
    expect(searchRoot('/opt/app/**')).toBe('/opt/app');
    expect(searchRoot('/etc/ssh/sshd_config')).toBe('/etc/ssh/sshd_config');
    expect(searchRoot('/*.conf')).toBe('/');
  });
});
