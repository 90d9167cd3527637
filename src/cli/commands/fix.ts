import { DiagnosticBag } from '../../template/diagnostics.js';
import { fixTemplate } from '../../template/fix.js';
import { JsonSource } from '../../template/source.js';
import { isObject } from '../../util/is-object.js';
import { makeOutput, printDiagnostics, type CliIo } from '../io.js';
import path from 'node:path';

/** `boxwright fix`: prints the template with the options Packer 1.6 refuses rewritten, as `packer fix` does. */
export function fixCommand(templatePath: string, io: CliIo): number {
  const output = makeOutput(io, {});
  const bag = new DiagnosticBag();
  const source = JsonSource.read(path.resolve(io.cwd, templatePath), bag);
  const root = source?.value();
  if (!source || bag.errors.length || !isObject(root)) {
    printDiagnostics(output, bag.items);
    if (source && !bag.errors.length) io.stderr.write(`${templatePath}: a template must be a JSON object\n`);
    return 1;
  }
  const { root: fixed, changes } = fixTemplate(root);
  io.stdout.write(`${JSON.stringify(fixed, null, 2)}\n`);
  for (const c of changes) io.stderr.write(`fixed ${c.path}: ${c.change}\n`);
  if (!changes.length) io.stderr.write('nothing to fix\n');
  return 0;
}
