import { generateEd25519KeyPair } from '../../src/communicators/ssh/ed25519-key.js';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { loadFile } from '../support/validate.js';

const TEMPLATES = path.resolve(__dirname, '../../templates');

describe('templates/hello (the smallest template)', () => {
  it('builds, hides the token, and writes the release notes, checksum and manifest', async () => {
    const dir = tempDir();
    // An output/ left by running the README's main command must not leak into the copy.
    cpSync(path.join(TEMPLATES, 'hello'), dir, { recursive: true, filter: (src) => path.basename(src) !== 'output' });
    const run = await runCli(['build', 'hello.json'], { cwd: dir, env: { HELLO_API_TOKEN: 'tok-123456' } });
    expect(run.code, run.all).toBe(0);
    expect(run.stdout).toMatch(/ {4}hello: hello from hello on Linux/);
    expect(run.stdout).toContain('    hello: using token <sensitive>');
    expect(run.stdout).toContain('    hello: report for build hello (null), style short');
    expect(run.all).not.toContain('tok-123456');
    const out = readdirSync(path.join(dir, 'output')).sort();
    expect(out).toEqual(expect.arrayContaining(['manifest.json', 'release-notes.sha256']));
    const notes = out.find((f) => f.startsWith('release-notes-') && f.endsWith('.txt'))!;
    expect(readFileSync(path.join(dir, 'output', notes), 'utf8')).toMatch(/^Built by file at \d+ \(HELLO\)\n$/);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'output', 'manifest.json'), 'utf8'));
    expect(manifest.builds.map((b: { name: string }) => b.name).sort()).toEqual(['hello', 'release-notes']);
  });
});

describe('templates/dev-prod (the flagship that `npm run demo` builds)', () => {
  const template = path.join(TEMPLATES, 'dev-prod', 'app.json');
  // What the demo passes: its cache's paths, which validation checks exist.
  const vars = () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'packages'));
    // Validation reads the key, as Packer's does: a real one, never used here.
    writeFileSync(path.join(dir, 'vagrant'), generateEd25519KeyPair('vagrant').private, { mode: 0o600 });
    return [
      '-var',
      `base_image=${dir}/debian12.qcow2`,
      '-var',
      `packages=${dir}/packages`,
      '-var',
      `ssh_private_key_file=${dir}/vagrant`,
    ];
  };

  it('validates with the AWS builds left out, as the demo runs it without credentials', async () => {
    const run = await runCli(['validate', '-except=app-ec2,app-ami', ...vars(), template], { cwd: tempDir(), env: {} });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('validates with the AWS builds when a region is set, and says what is missing when it is not', async () => {
    const withRegion = await runCli(['validate', ...vars(), template], {
      cwd: tempDir(),
      env: { AWS_REGION: 'eu-west-1' },
    });
    expect(withRegion.code, withRegion.all).toBe(0);
    const without = await runCli(['validate', ...vars(), template], { cwd: tempDir(), env: {} });
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/app\.json:\d+:\d+: builders\[2\]: missing required option "region"/);
  });

  it('has every disk post-processor run for the qemu build only, and the Docker chain for the image only', async () => {
    const run = await runCli(['inspect', template], { cwd: tempDir(), env: {} });
    expect(run.code).toBe(0);
    const raw = JSON.parse(readFileSync(template, 'utf8')) as {
      'post-processors': { type: string; only: string[] }[][];
    };
    for (const chain of raw['post-processors'])
      expect(new Set(chain.map((pp) => pp.only.join())).size, chain.map((pp) => pp.type).join(' -> ')).toBe(1);
  });
});

describe('templates/packer (real Packer templates, some for builders still to come)', () => {
  const files = readdirSync(path.join(TEMPLATES, 'packer')).filter((f) => f.endsWith('.json'));

  it.each(files)('%s validates, or is refused only for plugins not supported yet', (file) => {
    const { diagnostics } = loadFile(path.join(TEMPLATES, 'packer', file), { env: {} });
    for (const e of diagnostics.filter((d) => d.severity === 'error'))
      expect(e.message).toMatch(/is not supported by boxwright yet$/);
  });
});

describe('templates/packer/bento-style (written the way chef/bento wrote its Packer 1.6 templates)', () => {
  const dir = path.join(TEMPLATES, 'packer', 'bento-style');
  const varFile = path.join(dir, 'debian-12-amd64.json');

  it('validates with -only over the builders boxwright has and the OS var-file, decoding the templated values as Packer does', () => {
    const { loaded, diagnostics } = loadFile(path.join(dir, 'debian-12.json'), {
      env: {},
      varFiles: [varFile],
      only: ['qemu', 'virtualbox-iso', 'vmware-iso'],
    });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const byName = Object.fromEntries(loaded!.builds.map((b) => [b.name, b.config as Record<string, any>]));
    expect(Object.keys(byName).sort()).toEqual(['qemu', 'virtualbox-iso', 'vmware-iso']);
    const vbox = byName['virtualbox-iso']!;
    expect(vbox.headless).toBe(true);
    expect(vbox.hardware).toMatchObject({ cpus: 2, memoryMb: 1024, diskSizeBytes: 65536 * 1024 ** 2 });
    expect(vbox.guestAdditions.url).toBeUndefined();
    expect(vbox.boot.command).toBe(
      '<esc><wait>install auto=true url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg hostname={{ .Name }} domain=local <enter>',
    );
    expect(vbox.access.ssh.timeoutMs).toBe(10_000_000);
    expect(byName.qemu!.source.urls).toEqual([
      'http://cdimage.debian.org/cdimage/release/12.5.0/amd64/iso-cd/debian-12.5.0-amd64-netinst.iso',
    ]);
  });

  it('is refused without -only, naming the builder boxwright does not have yet', () => {
    const { diagnostics } = loadFile(path.join(dir, 'debian-12.json'), { env: {}, varFiles: [varFile] });
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      'builder type "parallels-iso" is not supported by boxwright yet',
    ]);
  });
});
