import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redactor } from '../../src/core/redact.js';
import { registry } from '../../src/registry.js';
import { DiagnosticsError, type Diagnostic } from '../../src/template/diagnostics.js';
import { loadTemplate, type LoadedTemplate } from '../../src/template/load.js';
import { tempDir } from './cli.js';

export interface ValidateOptions {
  vars?: string[];
  varFiles?: string[];
  only?: string[];
  except?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Loads template text from a temp file; returns the template or every diagnostic. */
export function loadText(
  text: string,
  options: ValidateOptions = {},
): { loaded?: LoadedTemplate; diagnostics: Diagnostic[]; file: string; dir: string } {
  const dir = tempDir();
  const file = path.join(dir, 'template.json');
  writeFileSync(file, text);
  return loadFile(file, options);
}

/** Loads a template file where it is (so {{template_dir}} is its real folder). */
export function loadFile(
  file: string,
  options: ValidateOptions = {},
): { loaded?: LoadedTemplate; diagnostics: Diagnostic[]; file: string; dir: string } {
  const dir = path.dirname(file);
  try {
    const loaded = loadTemplate({
      templatePath: file,
      vars: options.vars ?? [],
      varFiles: options.varFiles ?? [],
      only: options.only ?? [],
      except: options.except ?? [],
      registry,
      initTime: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)),
      env: options.env ?? {},
      cwd: dir,
      redactor: new Redactor(),
    });
    return { loaded, diagnostics: loaded.warnings, file, dir };
  } catch (err) {
    if (err instanceof DiagnosticsError) return { diagnostics: err.diagnostics, file, dir };
    throw err;
  }
}

/** Splits template text at its `@@` marker: the text without it, and the marker's line and column. */
export function marked(text: string): { text: string; line: number; column: number } {
  const at = text.indexOf('@@');
  if (at < 0) throw new Error('test template has no @@ marker');
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return { text: before + text.slice(at + 2), line, column };
}
