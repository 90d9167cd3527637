import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/post-processors/compress/index.js';
import { runCli, tempDir, writeTemplate } from '../support/cli.js';

/** A null build whose shell-local provisioner leaves files in made/, as a download from a machine would. */
const madeFiles = (postProcessors: unknown[]) => ({
  builders: [{ type: 'null' }],
  provisioners: [
    {
      type: 'shell-local',
      inline: ['mkdir -p made', 'echo one > made/a.txt', 'echo two > made/b.txt', 'chmod 0755 made/b.txt'],
    },
  ],
  'post-processors': [postProcessors],
});

describe('compress (Packer 1.6)', () => {
  it("reads the archive and compression from the output's extensions, as Packer does", () => {
    expect(detectFormat('out/x.tar.gz', undefined)).toEqual({ archive: 'tar', algorithm: 'gzip' });
    expect(detectFormat('out/x.gz', undefined)).toEqual({ archive: undefined, algorithm: 'gzip' });
    expect(detectFormat('out/x.tar', undefined)).toEqual({ archive: 'tar' });
    expect(detectFormat('out/x.tar.xz', undefined)).toEqual({ archive: 'tar', algorithm: 'xz' });
    // No extension, or one Packer does not know (.tgz): a gzipped tar.
    expect(detectFormat('packer_{{.BuildName}}_{{.BuilderType}}', undefined)).toEqual({
      archive: 'tar',
      algorithm: 'gzip',
    });
    expect(detectFormat('out/x.tgz', undefined)).toEqual({ archive: 'tar', algorithm: 'gzip' });
    expect(detectFormat('out/x', 'tar.xz')).toEqual({ archive: 'tar', algorithm: 'xz' });
  });

  it("tars and gzips the artifact's files; tar reads them back with their modes, and the same run gives the same bytes", async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      madeFiles([
        { type: 'artifice', files: ['made/*.txt'] },
        { type: 'compress', output: 'out/{{.BuildName}}.tar.gz' },
      ]),
    );
    // Archives take their files' time from SOURCE_DATE_EPOCH, which boxwright reads from its process.
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('Using these artifact files: made/a.txt, made/b.txt');
    const archive = path.join(dir, 'out', 'null.tar.gz');
    expect(run.all).toContain(`--> null: compressed artifacts in: ${archive}`);
    const listing = execFileSync('tar', ['-tvzf', archive], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rw-r--r-- .* a\.txt$/m);
    expect(listing).toMatch(/^-rwxr-xr-x .* b\.txt$/m);
    expect(execFileSync('tar', ['-xOzf', archive, 'b.txt'], { encoding: 'utf8' })).toBe('two\n');
    const first = readFileSync(archive);
    expect((await runCli(['build', '-force', t], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000' } })).code).toBe(0);
    expect(readFileSync(archive).equals(first)).toBe(true);
  });

  it('compresses a single file as .gz and as .xz; gunzip and xz read them back', async () => {
    const dir = tempDir();
    const content = 'boxwright '.repeat(10_000);
    const t = writeTemplate(dir, {
      builders: [{ type: 'file', target: 'disk.img', content }],
      'post-processors': [
        { type: 'compress', output: 'disk.img.gz', keep_input_artifact: true },
        { type: 'compress', output: 'disk.img.xz', compression_level: 12, keep_input_artifact: true },
      ],
    });
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(execFileSync('gzip', ['-dc', path.join(dir, 'disk.img.gz')], { encoding: 'utf8' })).toBe(content);
    expect(execFileSync('xz', ['-dc', path.join(dir, 'disk.img.xz')], { encoding: 'utf8' })).toBe(content);
    expect(statSync(path.join(dir, 'disk.img.xz')).size).toBeLessThan(1000);
  });

  it('refuses two files without an archive, and says how to put them in one', async () => {
    const dir = tempDir();
    const t = writeTemplate(
      dir,
      madeFiles([
        { type: 'artifice', files: ['made/a.txt', 'made/b.txt'] },
        { type: 'compress', output: 'both.gz' },
      ]),
    );
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('compress: 2 files to compress without an archive (made/a.txt, made/b.txt)');
    expect(run.all).toContain('name the output .tar.gz or .tar.xz');
    expect(existsSync(path.join(dir, 'both.gz'))).toBe(false);
  });

  it('refuses zip and lz4 at validate time, where the option is, as "not supported yet"', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, {
      builders: [{ type: 'file', target: 'a.txt', content: 'a' }],
      'post-processors': [
        { type: 'compress', output: 'a.zip' },
        { type: 'compress', output: 'a', format: 'lz4' },
      ],
    });
    const run = await runCli(['validate', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('template.json has 2 errors');
    expect(run.all).toMatch(
      /template\.json:12:17: post-processors\[0\]\.output: compress: zip archives are not supported yet/,
    );
    expect(run.all).toMatch(/template\.json:17:17: post-processors\[1\]\.format: compress: lz4 is not supported yet/);
  });
});

describe('artifice (Packer 1.6)', () => {
  it('a pattern that names no file fails the build and says when the files must exist', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, madeFiles([{ type: 'artifice', files: ['made/*.bin'] }]));
    const run = await runCli(['build', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('artifice: "made/*.bin" names no file');
    expect(run.all).toContain('"direction": "download"');
  });

  it('needs files, as Packer does', async () => {
    const dir = tempDir();
    const t = writeTemplate(dir, { builders: [{ type: 'null' }], 'post-processors': [{ type: 'artifice' }] });
    const run = await runCli(['validate', t], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toMatch(/files/);
  });
});
