import { randomUUID } from 'node:crypto';
import type { Redactor } from '../../core/redact.js';
import type { Output } from '../../core/ui.js';
import { registry } from '../../registry.js';
import { DiagnosticsError } from '../../template/diagnostics.js';
import { loadTemplate, type LoadedTemplate } from '../../template/load.js';
import { printDiagnostics, type CliIo } from '../io.js';

export interface TemplateFlags {
  var: string[];
  varFile: string[];
  only: string[];
  except: string[];
}

/** Splits Packer's comma-separated -only/-except values (they may also repeat). */
export function splitList(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Loads a template for a command, printing every problem; undefined when it has errors. */
export function loadForCommand(
  templatePath: string,
  flags: TemplateFlags,
  io: CliIo,
  output: Output,
  redactor: Redactor,
  initTime: Date,
): LoadedTemplate | undefined {
  try {
    const loaded = loadTemplate({
      templatePath,
      vars: flags.var,
      varFiles: flags.varFile,
      only: splitList(flags.only),
      except: splitList(flags.except),
      registry,
      initTime,
      env: io.env,
      cwd: io.cwd,
      redactor,
    });
    printDiagnostics(output, loaded.warnings);
    return loaded;
  } catch (err) {
    if (!(err instanceof DiagnosticsError)) throw err;
    const errors = err.diagnostics.filter((d) => d.severity === 'error');
    output.plain(`Template ${templatePath} has ${errors.length} error${errors.length === 1 ? '' : 's'}:`, 'stderr');
    printDiagnostics(output, err.diagnostics);
    return undefined;
  }
}

export const newRunUuid = (): string => randomUUID();
