import { Redactor } from '../../core/redact.js';
import { DiagnosticBag } from '../../template/diagnostics.js';
import { isHclTemplate, parseHclFiles } from '../../template/hcl/load.js';
import { parseTemplate } from '../../template/load.js';
import { makeOutput, printDiagnostics, type CliIo, type OutputFlags } from '../io.js';
import { loadForCommand, type TemplateFlags } from './load.js';

export interface ValidateFlags extends TemplateFlags, OutputFlags {
  syntaxOnly?: boolean;
}

/** `boxwright validate`: every problem at once, each with file:line:column. */
export function validateCommand(templatePath: string, flags: ValidateFlags, io: CliIo): number {
  const redactor = new Redactor();
  const output = makeOutput(io, flags, redactor);
  if (flags.syntaxOnly) {
    const bag = new DiagnosticBag();
    const hcl = isHclTemplate(templatePath, io.cwd);
    if (hcl) parseHclFiles(templatePath, io.cwd, bag);
    else parseTemplate(templatePath, bag);
    // An HCL file's parse stops at its first error, which is always one of syntax.
    const syntax = bag.items.filter(
      (d) =>
        hcl ||
        d.message.startsWith('invalid JSON') ||
        d.message === 'no such file' ||
        d.message.startsWith('cannot read') ||
        d.message === 'the file is empty',
    );
    if (syntax.length) {
      output.plain('Syntax check failed:', 'stderr');
      printDiagnostics(output, syntax);
      return 1;
    }
    output.plain('Syntax-only check passed. Everything looks okay.');
    return 0;
  }
  const loaded = loadForCommand(templatePath, flags, io, output, redactor, new Date());
  if (!loaded) return 1;
  output.plain('Template validated successfully.');
  return 0;
}
