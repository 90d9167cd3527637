import { cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { loadFile } from '../support/validate.js';

const TEMPLATES = path.resolve(__dirname, '../../templates');

describe("templates/hello (the README's main job)", () => {
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

describe('templates/packer (real Packer templates, some for builders still to come)', () => {
  const files = readdirSync(path.join(TEMPLATES, 'packer')).filter((f) => f.endsWith('.json'));

  it.each(files)('%s validates, or is refused only for plugins not supported yet', (file) => {
    const { diagnostics } = loadFile(path.join(TEMPLATES, 'packer', file), { env: {} });
    for (const e of diagnostics.filter((d) => d.severity === 'error'))
      expect(e.message).toMatch(/is not supported by boxwright yet$/);
  });
});
