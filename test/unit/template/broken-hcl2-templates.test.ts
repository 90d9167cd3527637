import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/registry.js';
import { upgradeToHcl } from '../../../src/template/hcl/upgrade.js';
import { cases, withImpliedMarker } from '../../support/broken-json-templates.js';
import { tempDir } from '../../support/cli.js';
import { loadFile, loadText, marked } from '../../support/validate.js';

/**
 * The HCL2 counterpart of every broken JSON template: the JSON case written as HCL2 (as
 * hcl2_upgrade writes it) must be refused with the same message, at the line and column of
 * the HCL2 file where that option is written.
 */
/** JSON mistakes that HCL2 cannot make, or makes otherwise (its own cases are in hcl2.test.ts). */
const JSON_ONLY: Record<string, string> = {
  'unknown top-level key': 'HCL2 has blocks, not keys; an unknown block type is its counterpart',
  'builders missing': 'HCL2 builds name source blocks; a build without a source is its counterpart',
  'builders not a list': 'HCL2 declares sources as blocks',
  'empty builders': 'HCL2 declares sources as blocks; a build without a source is its counterpart',
  'builder without type': 'a source block carries its type as a label',
  'duplicate build names': 'HCL2 builds are TYPE.NAME of distinct sources',
  'variables not an object': 'HCL2 declares variables as blocks',
  'variable default is a list': 'HCL2 variables are typed, so a list is a valid default',
  'required variable without value': 'its counterpart is "the variable has no value", at the variable block',
  'sensitive variable not declared': 'HCL2 marks a variable sensitive in its own block',
  'env outside variables': 'hcl2_upgrade moves {{env}} into a variable default, where HCL2 reads it',
  'provisioners not a list': 'HCL2 provisioners are blocks',
  'provisioner without type': 'a provisioner block carries its type as a label',
  'post-processor of a wrong shape': 'HCL2 post-processors are blocks',
  'post-processor chains nested too deep': 'a post-processors block holds only post-processor blocks',
  'error-cleanup-provisioner without type': 'the block carries its type as a label',
  'push section': 'HCL2 never had push',
  'only names a missing build': 'as in Packer, an HCL2 "only" naming another source is a warning, not an error',
  'except names a missing build': 'as in Packer, an HCL2 "except" naming another source is a warning, not an error',
};

const results = cases.map(([name, template, message]) => {
  if (JSON_ONLY[name]) return { name, skip: JSON_ONLY[name] };
  const { text } = marked(withImpliedMarker(template));
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return { name, skip: 'JSON syntax' };
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return { name, skip: 'not an object' };
  const json = loadText(text).diagnostics.find((d) => d.severity === 'error' && d.message.includes(message));
  if (!json?.path) return { name, skip: 'a whole-template error' };
  const dir = tempDir();
  const file = path.join(dir, 'template.pkr.hcl');
  const hcl = upgradeToHcl(root as Record<string, unknown>, registry).text;
  writeFileSync(file, hcl);
  return { name, message, jsonPath: json.path, hcl, diagnostics: loadFile(file).diagnostics };
});

describe('broken templates written as HCL2', () => {
  it('names only JSON cases that exist, and carries over most of them', () => {
    const names = new Set(cases.map((c) => c[0]));
    expect(Object.keys(JSON_ONLY).filter((n) => !names.has(n))).toEqual([]);
    expect(results.filter((r) => !r.skip).length).toBeGreaterThanOrEqual(70);
  });

  it.each(results.filter((r) => !r.skip).map((r) => [r.name, r] as const))('%s', (_name, r) => {
    // HCL2 names a build TYPE.NAME where JSON names it NAME.
    const builds = [...r.hcl!.matchAll(/^source "([^"]+)" "([^"]+)"/gm)].map((m) => [`"${m[1]}.${m[2]}"`, `"${m[2]}"`]);
    const errors = r
      .diagnostics!.filter((d) => d.severity === 'error')
      .map((d) => ({ ...d, message: builds.reduce((m, [from, to]) => m.split(from!).join(to!), d.message) }));
    const match = errors.find((d) => d.message.includes(r.message!));
    expect(match, `${r.hcl}\n${errors.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')}`).toBeDefined();
    const line = r.hcl!.split('\n')[match!.line! - 1] ?? '';
    // The option named last in the JSON path is written on that line of the HCL2 file.
    const option = [...r.jsonPath!.matchAll(/[A-Za-z_][A-Za-z0-9_-]*/g)].map((m) => m[0]).pop()!;
    expect(line, `${match!.line}:${match!.column} in\n${r.hcl}`).toMatch(/\S/);
    expect(`${line}\n${option}`).toMatch(
      new RegExp(`${option}[\\s\\S]*\\n${option}|source|provisioner|post-processor`),
    );
  });
});
