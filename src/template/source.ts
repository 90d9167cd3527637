import { readFileSync } from 'node:fs';
import {
  findNodeAtLocation,
  getNodeValue,
  parseTree,
  visit,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import type { BuildValues } from '../core/build-values.js';
import { DiagnosticBag, type Diagnostic } from './diagnostics.js';

/** A JSON path: keys and array indexes from the document root. */
export type JsonPath = (string | number)[];

/** Where a template's values were written: a JSON file, or the HCL2 files it was read from. */
export interface TemplateSource {
  readonly file: string;
  /** The template's directory, when it is not the file's (a directory of HCL2 files). */
  readonly dir?: string;
  /** The name a build's plugins know it by, when it is not the build's own name. */
  pluginBuildName?(buildName: string): string;
  /** How the template's own language names the option at `path`, when not as JSON does. */
  formatPath?(path: JsonPath): string;
  locate(path: JsonPath, at?: 'key' | 'value', innerOffset?: number): Pick<Diagnostic, 'file' | 'line' | 'column'>;
  /**
   * For a provisioner or post-processor whose options read the running build's values
   * (HCL2's build.Host): its options again, with those values. Problems go into `bag`.
   */
  lateOptions?(path: JsonPath): LateOptions | undefined;
}

export type LateOptions = (build: BuildValues, bag: DiagnosticBag) => Record<string, unknown>;

/** A parsed JSON document that remembers where every value came from. */
export class JsonSource implements TemplateSource {
  private readonly lineStarts: number[];

  private constructor(
    readonly file: string,
    readonly text: string,
    readonly root: Node | undefined,
  ) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** Parses `text`; syntax errors go into `bag` with their line and column. */
  static parse(file: string, text: string, bag: DiagnosticBag): JsonSource {
    const errors: ParseError[] = [];
    if (looksBinary(text)) {
      bag.add({
        file,
        line: 1,
        column: 1,
        message: 'this is not a text file, so it cannot be a JSON template',
        hint: 'check the path: a template is a JSON text file such as {"builders": [...]}',
      });
      return new JsonSource(file, text, undefined);
    }
    // The parser and every later pass recurse once per level; refuse absurd depths before they can overflow the stack.
    const tooDeep = firstOffsetDeeperThan(text, MAX_DEPTH);
    if (tooDeep !== undefined) {
      const source = new JsonSource(file, text, undefined);
      bag.add({
        file,
        ...source.position(tooDeep),
        message: `the JSON is nested more than ${MAX_DEPTH} levels deep here`,
        hint: 'a template needs a few levels; check that the file is a Packer template and that its brackets are balanced',
      });
      return source;
    }
    // Comments are a convenience Packer lacks; trailing commas stay errors, as in JSON.
    const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
    const source = new JsonSource(file, text, root);
    for (const e of errors) {
      const { line, column } = source.position(e.offset);
      const code = printParseErrorCode(e.error);
      bag.add({
        file,
        line,
        column,
        message: `invalid JSON: ${describeParseError(code)}`,
        hint: parseHint(code, text[e.offset]),
      });
    }
    if (root) source.checkKeysAndComments(bag);
    if (!root && errors.length === 0)
      bag.add({
        file,
        line: 1,
        column: 1,
        message: 'the file is empty',
        hint: 'a template is a JSON object such as {"builders": [...]}',
      });
    return source;
  }

  /**
   * What JSON parsers take and Packer refuses. A key named twice in one object is an error:
   * one of the two values would be dropped without a word. Comments are accepted, with one
   * warning, since Packer 1.6 refuses a file that has them.
   */
  private checkKeysAndComments(bag: DiagnosticBag): void {
    const walk = (node: Node): void => {
      if (node.type === 'object') {
        const seen = new Map<string, Node>();
        for (const property of node.children ?? []) {
          const key = property.children?.[0];
          if (!key) continue;
          const name = String(key.value);
          const earlier = seen.get(name);
          if (earlier)
            bag.add({
              file: this.file,
              ...this.position(key.offset),
              message: `the key "${name}" is here a second time in one object (first at line ${this.position(earlier.offset).line})`,
              hint: 'keep one of them: JSON gives no way to tell which was meant, and Packer refuses the file',
            });
          else seen.set(name, key);
        }
      }
      for (const child of node.children ?? []) walk(child);
    };
    walk(this.root!);
    let comment: number | undefined;
    visit(this.text, { onComment: (offset) => void (comment ??= offset) }, { disallowComments: false });
    if (comment !== undefined)
      bag.add({
        file: this.file,
        ...this.position(comment),
        severity: 'warning',
        message: 'the template has comments: boxwright accepts // and /* */ comments, Packer 1.6 refuses the file',
        hint: 'keys that start with "_" are comments both accept',
      });
  }

  /** Reads and parses a file; an unreadable file becomes a diagnostic. */
  static read(file: string, bag: DiagnosticBag): JsonSource | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      bag.add({
        file,
        message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(err)})`,
        hint: code === 'ENOENT' ? 'check the path; it is relative to the current directory' : undefined,
      });
      return undefined;
    }
    return JsonSource.parse(file, text, bag);
  }

  /** The plain value of the whole document. */
  value(): unknown {
    return this.root ? getNodeValue(this.root) : undefined;
  }

  /** 1-based line and column of a character offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  /** The node at `path`, or the nearest existing ancestor when the path does not exist. */
  nodeAt(path: JsonPath): Node | undefined {
    if (!this.root) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const node = findNodeAtLocation(this.root, path.slice(0, n));
      if (node) return node;
    }
    return this.root;
  }

  /**
   * Where a problem at `path` should point. For a property, `at: 'key'` points at its
   * name (unknown keys), otherwise at its value.
   */
  locate(
    path: JsonPath,
    at: 'key' | 'value' = 'value',
    innerOffset?: number,
  ): Pick<Diagnostic, 'file' | 'line' | 'column'> {
    const node = this.nodeAt(path);
    if (!node) return { file: this.file, line: 1, column: 1 };
    let offset = node.offset;
    if (at === 'key' && node.parent?.type === 'property') offset = node.parent.children![0]!.offset;
    if (innerOffset !== undefined && node.type === 'string') offset += 1 + this.rawIndex(node.offset + 1, innerOffset);
    return { file: this.file, ...this.position(offset) };
  }

  /** How many raw characters of a JSON string hold its first `decoded` characters (escapes are longer). */
  private rawIndex(start: number, decoded: number): number {
    let raw = 0;
    for (let n = 0; n < decoded && start + raw < this.text.length; n++) {
      if (this.text[start + raw] === '\\') raw += this.text[start + raw + 1] === 'u' ? 6 : 2;
      else raw += 1;
    }
    return raw;
  }
}

/** Renders a JSON path the way users write it: builders[0].cpus. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '(root)';
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'malformed number',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: 'expected ":" after the property name',
    CommaExpected: 'expected "," between entries',
    CloseBraceExpected: 'expected "}" to close the object',
    CloseBracketExpected: 'expected "]" to close the array',
    EndOfFileExpected: 'unexpected text after the end of the document',
    InvalidCommentToken: 'malformed comment',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid \\u escape',
    InvalidEscapeCharacter: 'invalid escape character in string',
    InvalidCharacter: 'invalid character in string (control characters must be escaped)',
  };
  return words[code] ?? code;
}

/** Deeper than any template needs, and far from where recursion would overflow. */
const MAX_DEPTH = 512;

/** The offset of the first bracket that opens level `limit + 1`, outside strings and comments; undefined when none does. */
function firstOffsetDeeperThan(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (ch === '{' || ch === '[') {
      if (++depth > limit) return i;
    } else if (ch === '}' || ch === ']') {
      depth--;
    }
  }
  return undefined;
}

/** NUL bytes or many undecodable bytes: an image, an archive, random data. */
function looksBinary(text: string): boolean {
  if (text.includes('\0')) return true;
  let bad = 0;
  for (const ch of text) if (ch === '\uFFFD') bad++;
  return bad > 8 && bad > text.length / 100;
}

/** A hint only where the cause is likely: "unexpected character" hints at quotes only when the character is a single quote. */
function parseHint(code: string, char: string | undefined): string | undefined {
  switch (code) {
    case 'PropertyNameExpected':
    case 'ValueExpected':
      return 'JSON allows no trailing comma after the last entry, and keys need double quotes';
    case 'CommaExpected':
      return 'entries of an object or array are separated by commas';
    case 'InvalidSymbol':
      return char === "'" ? 'JSON strings use double quotes, not single quotes' : undefined;
    case 'InvalidEscapeCharacter':
      return 'write a backslash as \\\\ inside JSON strings';
    default:
      return undefined;
  }
}
