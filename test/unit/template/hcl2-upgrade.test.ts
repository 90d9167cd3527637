import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../../src/communicators/ssh/ed25519-key.js';
import type { LoadedTemplate } from '../../../src/template/load.js';
import { runCli, tempDir } from '../../support/cli.js';
import { loadFile } from '../../support/validate.js';
import { mkdirSync, writeFileSync } from 'node:fs';

const TEMPLATES = path.resolve(__dirname, '../../../templates');

/** A build as planned, without its name, with the times a template renders made equal. */
function plan(loaded: LoadedTemplate | undefined) {
  const text = JSON.stringify(
    loaded!.builds.map((b) => ({
      type: b.type,
      config: b.config,
      provisioners: b.provisioners.map((p) => ({ type: p.type, config: p.config })),
      chains: b.chains.map((c) => c.map((pp) => ({ type: pp.type, config: pp.config }))),
    })),
  );
  // {{timestamp}} is Unix seconds; its HCL2 form is YYYYMMDDhhmmss.
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"/g, (s) => s.replace(/\d{10,14}/g, 'TIME')));
}

/** The variables the dev-prod template needs, as the demo passes them. */
function devProdVars(): string[] {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'packages'));
  writeFileSync(path.join(dir, 'vagrant'), generateEd25519KeyPair('vagrant').private, { mode: 0o600 });
  return [`base_image=${dir}/debian12.qcow2`, `packages=${dir}/packages`, `ssh_private_key_file=${dir}/vagrant`];
}

const TEMPLATES_WITH_TWINS = [
  ['packer/debian-qemu.json', []],
  ['packer/docker-app.json', []],
  ['packer/same-disk.json', []],
  ['packer/dev-prod-parity.json', []],
  ['hello/hello.json', []],
  ['dev-prod/app.json', 'dev-prod'],
] as const;

/** Loads a template and its HCL2 form with the same inputs; both must be valid. */
function loadPair(json: string, hcl: string, needs: readonly string[] | 'dev-prod') {
  const vars = needs === 'dev-prod' ? devProdVars() : [];
  const env = { AWS_REGION: 'eu-west-1' };
  const fromJson = loadFile(json, { vars, env });
  const fromHcl = loadFile(hcl, { vars, env });
  expect(fromJson.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(fromHcl.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { fromJson, fromHcl };
}

describe("the project's templates and their HCL2 twins (NAME.pkr.hcl beside NAME.json)", () => {
  it.each(TEMPLATES_WITH_TWINS)('%s plans to the same builds as its twin', (template, needs) => {
    const json = path.join(TEMPLATES, template);
    const { fromJson, fromHcl } = loadPair(json, json.replace(/\.json$/, '.pkr.hcl'), needs);
    expect(plan(fromHcl.loaded)).toEqual(plan(fromJson.loaded));
  });
});

describe('boxwright hcl2_upgrade', () => {
  it.each(TEMPLATES_WITH_TWINS)('writes %s as HCL2 that plans to the same builds', async (template, needs) => {
    const json = path.join(TEMPLATES, template);
    // Beside the template, so that path.root is its {{template_dir}}, under Packer's name for it.
    const hcl = `${json}.pkr.hcl`;
    try {
      const run = await runCli(['hcl2_upgrade', '-output-file', hcl, json], { cwd: path.dirname(json) });
      expect(run.code, run.all).toBe(0);
      const { fromJson, fromHcl } = loadPair(json, hcl, needs);
      expect(plan(fromHcl.loaded)).toEqual(plan(fromJson.loaded));
    } finally {
      rmSync(hcl, { force: true });
    }
  });

  it('does not replace an existing file without -force', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 't.json'), '{"builders": [{"type": "null"}]}');
    writeFileSync(path.join(dir, 't.json.pkr.hcl'), 'keep me');
    const run = await runCli(['hcl2_upgrade', 't.json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.all).toContain('t.json.pkr.hcl exists; pass -force to replace it');
  });
});
