import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DiagnosticBag } from '../diagnostics.js';
import { HclSyntaxError, type Block, type Body } from './ast.js';
import { parseHclJson } from './json-syntax.js';
import { parseHcl } from './parse.js';

/** One parsed file of a template, named as the user gave it. */
export interface ParsedFile {
  file: string;
  body: Body;
}

/** True when `templatePath` names HCL2: a .pkr.hcl or .pkr.json file, or a directory of them. */
export function isHclTemplate(templatePath: string, cwd: string): boolean {
  if (/\.pkr\.(hcl|json)$/i.test(templatePath)) return true;
  return statSync(path.resolve(cwd, templatePath), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Reads and parses the template's HCL files (and finds its *.auto.pkrvars files); syntax errors go into `bag`. */
export function parseHclFiles(
  templatePath: string,
  cwd: string,
  bag: DiagnosticBag,
): { parsed: ParsedFile[]; autoVarFiles: string[]; templateDir: string } | undefined {
  const target = path.resolve(cwd, templatePath);
  const info = statSync(target, { throwIfNoEntry: false });
  if (!info) {
    bag.add({ file: templatePath, line: 1, column: 1, message: 'no such file', hint: 'check the path' });
    return undefined;
  }
  const inDirectory = (pattern: RegExp) =>
    info.isDirectory()
      ? readdirSync(target)
          .filter((f) => pattern.test(f))
          .sort()
          .map((f) => path.join(target, f))
      : [];
  const files = info.isDirectory() ? inDirectory(/\.pkr\.(hcl|json)$/) : [target];
  if (!files.length) {
    bag.add({
      file: templatePath,
      line: 1,
      column: 1,
      message: 'this directory holds no *.pkr.hcl or *.pkr.json file',
      hint: 'name a template file, or a directory of *.pkr.hcl files',
    });
    return undefined;
  }
  const parsed: ParsedFile[] = [];
  for (const file of files) {
    const shown = path.relative(cwd, file) || file;
    try {
      const text = readFileSync(file, 'utf8');
      parsed.push({ file: shown, body: file.endsWith('.json') ? parseHclJson(text) : parseHcl(text) });
    } catch (err) {
      if (!(err instanceof HclSyntaxError)) throw err;
      bag.add({ file: shown, line: err.pos.line, column: err.pos.column, message: err.message, hint: err.hint });
    }
  }
  if (bag.errors.length) return undefined;
  // As Packer: a single file is read alone; a directory brings its *.auto.pkrvars files.
  const autoVarFiles = inDirectory(/\.auto\.pkrvars\.(hcl|json)$/);
  return { parsed, autoVarFiles, templateDir: info.isDirectory() ? target : path.dirname(target) };
}

/** The blocks of one type across the template's files, with the file each is in. */
export function blocksOf(files: ParsedFile[], type: string): { file: string; block: Block }[] {
  return files.flatMap(({ file, body }) =>
    body.blocks.filter((b) => b.type === type).map((block) => ({ file, block })),
  );
}
