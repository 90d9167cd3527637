/**
 * A parser for the Go text/template subset that Packer JSON templates use:
 * `{{ func arg "str" `raw` 3 .Field (nested) | func2 }}`, with `{{-`/`-}}` trims and
 * `{{/* comments *\/}}`, and `{{if pipeline}} … {{else}} … {{end}}`. Other control actions
 * (range, with, define) are not part of it.
 */

export type Operand =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'field'; name: string; offset: number }
  | { kind: 'ident'; name: string; offset: number }
  | { kind: 'pipeline'; pipeline: Pipeline };

/** One command of a pipeline: a function with its arguments, or a single operand. */
export interface Command {
  operands: Operand[];
}
export type Pipeline = Command[];

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline | undefined; source: string; offset: number }
  /** `{{if pipeline}}`, `{{else}}`, `{{end}}`: Go's conditional, the one control action Packer templates use. */
  | { kind: 'if'; pipeline: Pipeline; source: string; offset: number }
  | { kind: 'else'; source: string; offset: number }
  | { kind: 'end'; source: string; offset: number };

/** A template error; `offset` is the character in the string it points at. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** True when the string has any template action at all (fast path for plain strings). */
export function hasActions(text: string): boolean {
  return text.includes('{{');
}

/** Splits a string into text and actions. Throws TemplateError on malformed input. */
export function parseTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) {
      segments.push({ kind: 'text', text: text.slice(pos) });
      break;
    }
    let literal = text.slice(pos, open);
    let inner = open + 2;
    if (text[inner] === '-' && /\s/.test(text[inner + 1] ?? '')) {
      literal = literal.trimEnd();
      inner += 1;
    }
    if (literal) segments.push({ kind: 'text', text: literal });
    const close = findClose(text, inner);
    if (close === UNTERMINATED_STRING)
      throw new TemplateError(
        'unterminated string in action',
        open,
        'close the string with the same quote that opened it',
      );
    if (close < 0)
      throw new TemplateError('unclosed action: "{{" has no matching "}}"', open, 'close every {{ with }}');
    let bodyEnd = close;
    let trimAfter = false;
    if (text[close - 1] === '-' && /\s/.test(text[close - 2] ?? '')) {
      bodyEnd = close - 1;
      trimAfter = true;
    }
    const body = text.slice(inner, bodyEnd);
    const trimmed = body.trim();
    let pipeline: Pipeline | undefined;
    const source = text.slice(open, close + 2);
    if (trimmed === 'else' || trimmed === 'end') {
      segments.push({ kind: trimmed, source, offset: open });
      pos = close + 2;
      if (trimAfter) while (pos < text.length && /\s/.test(text[pos]!)) pos++;
      continue;
    }
    if (/^if\s/.test(trimmed)) {
      const at = body.indexOf('if') + 2;
      segments.push({
        kind: 'if',
        pipeline: new ActionParser(body.slice(at), inner + at).parseAction(open),
        source,
        offset: open,
      });
      pos = close + 2;
      if (trimAfter) while (pos < text.length && /\s/.test(text[pos]!)) pos++;
      continue;
    }
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) throw new TemplateError('unclosed comment in action', open);
      pipeline = undefined;
    } else {
      pipeline = new ActionParser(body, inner).parseAction(open);
    }
    segments.push({ kind: 'action', pipeline, source: text.slice(open, close + 2), offset: open });
    pos = close + 2;
    if (trimAfter) while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  }
  return segments;
}

const UNTERMINATED_STRING = -2;

/** Finds the "}}" that ends the action, skipping quoted strings that may contain it. */
function findClose(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) return UNTERMINATED_STRING;
    } else if (ch === '`') {
      i = text.indexOf('`', i + 1);
      if (i < 0) return UNTERMINATED_STRING;
    } else if (text.startsWith('}}', i)) {
      return i;
    }
    i++;
  }
  return -1;
}

const CONTROL_WORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

class ActionParser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly base: number,
  ) {}

  parseAction(actionOffset: number): Pipeline {
    this.skipSpace();
    if (this.pos >= this.src.length)
      throw new TemplateError(
        'empty action "{{}}"',
        actionOffset,
        'write a function or field inside the braces, such as {{timestamp}}',
      );
    const pipeline = this.parsePipeline();
    this.skipSpace();
    if (this.pos < this.src.length) throw this.error(`unexpected "${this.src[this.pos]}"`);
    return pipeline;
  }

  private parsePipeline(): Pipeline {
    const commands: Command[] = [];
    for (;;) {
      const operands: Operand[] = [];
      for (;;) {
        this.skipSpace();
        const ch = this.src[this.pos];
        if (ch === undefined || ch === '|' || ch === ')') break;
        operands.push(this.parseOperand());
      }
      if (operands.length === 0) throw this.error(commands.length ? 'missing command after "|"' : 'missing command');
      commands.push({ operands });
      this.skipSpace();
      if (this.src[this.pos] === '|') {
        this.pos++;
        continue;
      }
      return commands;
    }
  }

  private parseOperand(): Operand {
    const start = this.pos;
    const ch = this.src[this.pos]!;
    if (ch === '"') return { kind: 'string', value: this.readQuoted() };
    if (ch === '`') {
      const end = this.src.indexOf('`', this.pos + 1);
      if (end < 0) throw this.error('unterminated raw string');
      const value = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
      return { kind: 'string', value };
    }
    if (ch === '(') {
      this.pos++;
      const pipeline = this.parsePipeline();
      this.skipSpace();
      if (this.src[this.pos] !== ')') throw this.error('missing ")"');
      this.pos++;
      return { kind: 'pipeline', pipeline };
    }
    if (ch === '.') {
      const m = /^\.([A-Za-z_][A-Za-z0-9_]*)?/.exec(this.src.slice(this.pos))!;
      this.pos += m[0].length;
      if (!m[1])
        throw new TemplateError('"." alone is not supported', this.base + start, 'name a field, such as {{ .HTTPIP }}');
      if (this.src[this.pos] === '.') throw this.error('nested fields are not supported');
      return { kind: 'field', name: m[1], offset: this.base + start };
    }
    if (ch === '$')
      throw this.error('template variables ($x) are not supported', 'use {{user `name`}} for template variables');
    const num = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(this.src.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return { kind: 'number', value: Number(num[0]) };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (ident) {
      this.pos += ident[0].length;
      const name = ident[0];
      if (name === 'true' || name === 'false') return { kind: 'bool', value: name === 'true' };
      if (CONTROL_WORDS.has(name))
        throw new TemplateError(
          `"${name}" actions are not supported in boxwright templates`,
          this.base + start,
          'boxwright takes functions, fields, pipelines and {{if}} … {{else}} … {{end}}; compute the value in a variable instead',
        );
      return { kind: 'ident', name, offset: this.base + start };
    }
    if (ch === "'")
      throw this.error(
        'single quotes do not make a string here',
        'use backticks (`text`) or escaped double quotes (\\"text\\")',
      );
    throw this.error(`unexpected "${ch}"`);
  }

  private readQuoted(): string {
    let out = '';
    let i = this.pos + 1;
    while (i < this.src.length && this.src[i] !== '"') {
      if (this.src[i] === '\\') {
        const next = this.src[i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' };
        if (next === undefined || !(next in map))
          throw new TemplateError(`invalid escape "\\${next ?? ''}" in string`, this.base + i);
        out += map[next];
        i += 2;
      } else {
        out += this.src[i];
        i++;
      }
    }
    if (i >= this.src.length) throw this.error('unterminated string');
    this.pos = i + 1;
    return out;
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private error(message: string, hint?: string): TemplateError {
    return new TemplateError(message, this.base + this.pos, hint);
  }
}
