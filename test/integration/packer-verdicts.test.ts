import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { ensurePacker } from '../support/packer.js';

const CORPUS = path.resolve(__dirname, '../fixtures/packer-verdicts');
const TEMPLATES = path.resolve(__dirname, '../../templates/packer');

/** Packer 1.6.6's `validate`: true when it accepts the template. */
function packerAccepts(args: string[], cwd: string): { ok: boolean; output: string } {
  const run = spawnSync('packer', ['validate', ...args], {
    cwd,
    encoding: 'utf8',
    // No call home: these machines are offline.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CHECKPOINT_DISABLE: '1' },
    timeout: 60_000,
  });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

async function boxwrightAccepts(args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  const run = await runCli(['validate', ...args], { cwd });
  return { ok: run.code === 0, output: run.all };
}

beforeAll(() => {
  console.log(`comparing with ${ensurePacker()}`);
}, 600_000);

describe("boxwright's verdict is Packer 1.6.6's", () => {
  // Each template's name says Packer's verdict, so that a change on either side shows.
  const templates = readdirSync(CORPUS).filter((f) => f.endsWith('.json') || f.endsWith('.pkr.hcl'));

  it('has templates Packer accepts and templates it refuses', () => {
    expect(templates.filter((t) => t.startsWith('accept-')).length).toBeGreaterThanOrEqual(8);
    expect(templates.filter((t) => t.startsWith('refuse-')).length).toBeGreaterThanOrEqual(10);
  });

  it.each(templates)('%s', async (template) => {
    const expected = template.startsWith('accept-');
    const packer = packerAccepts([template], CORPUS);
    expect(packer.ok, `packer validate ${template}:\n${packer.output}`).toBe(expected);
    const ours = await boxwrightAccepts([template], CORPUS);
    expect(ours.ok, `boxwright validate ${template}:\n${ours.output}`).toBe(expected);
  });

  it.each([
    ['debian-qemu.json'],
    ['docker-app.json'],
    ['debian-qemu.pkr.hcl'],
    // Bento's way: an OS var-file, restricted to the builders boxwright has.
    [
      '-var-file=bento-style/debian-12-amd64.json',
      '-only=qemu,virtualbox-iso,vmware-iso',
      'bento-style/debian-12.json',
    ],
    // The same in HCL2: a directory of files and a .pkrvars.hcl per OS.
    [
      '-var-file=bento-style-hcl2/debian-12-amd64.pkrvars.hcl',
      '-only=qemu.debian,virtualbox-iso.debian,vmware-iso.debian',
      'bento-style-hcl2',
    ],
  ])("the project's Packer templates: %s", async (...args) => {
    const packer = packerAccepts(args, TEMPLATES);
    expect(packer.ok, packer.output).toBe(true);
    const ours = await boxwrightAccepts(args, TEMPLATES);
    expect(ours.ok, ours.output).toBe(true);
  });
});
