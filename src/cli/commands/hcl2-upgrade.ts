import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { registry } from '../../registry.js';
import { DiagnosticBag } from '../../template/diagnostics.js';
import { upgradeToHcl } from '../../template/hcl/upgrade.js';
import { parseTemplate } from '../../template/load.js';
import { makeOutput, printDiagnostics, type CliIo } from '../io.js';

/** `boxwright hcl2_upgrade`: writes TEMPLATE.json as HCL2 (TEMPLATE.json.pkr.hcl, as Packer names it). */
export function hcl2UpgradeCommand(
  templatePath: string,
  flags: { outputFile?: string; force?: boolean },
  io: CliIo,
): number {
  const output = makeOutput(io, {});
  const bag = new DiagnosticBag();
  const parsed = parseTemplate(path.resolve(io.cwd, templatePath), bag);
  if (!parsed || bag.errors.length) {
    printDiagnostics(output, bag.items);
    return 1;
  }
  const target = path.resolve(io.cwd, flags.outputFile ?? `${templatePath}.pkr.hcl`);
  if (existsSync(target) && !flags.force) {
    output.plain(
      `${path.relative(io.cwd, target) || target} exists; pass -force to replace it, or -output-file to write elsewhere`,
      'stderr',
    );
    return 1;
  }
  const { text, notes } = upgradeToHcl(parsed.root, registry);
  writeFileSync(target, text);
  output.plain(`Successfully created ${path.relative(io.cwd, target) || target}`);
  for (const note of notes) output.plain(`note: ${note}`, 'stderr');
  return 0;
}
