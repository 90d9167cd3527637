import {
  HclSyntaxError,
  type Attribute,
  type BinaryOp,
  type Block,
  type Body,
  type Expr,
  type Pos,
  type Range,
  type TemplatePart,
} from './ast.js';

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;

/** Binary operators from the loosest to the tightest, as HCL's native syntax ranks them. */
const PRECEDENCE: BinaryOp[][] = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

/**
 * Parses HCL's native syntax (the language of `*.pkr.hcl`) into a body of attributes and
 * blocks whose every part knows its line and column. The first syntax error ends the parse.
 */
export function parseHcl(text: string): Body {
  return new Parser(text).file();
}

class Parser {
  private i = 0;
  private line = 1;
  private col = 1;
  /** Inside brackets, newlines are spaces; in a body they end an attribute. */
  private bracketDepth = 0;

  constructor(
    private readonly text: string,
    at?: { line: number; column: number },
  ) {
    if (at) {
      this.line = at.line;
      this.col = at.column;
    }
  }

  file(): Body {
    const body = this.body(undefined);
    return body;
  }

  // --- positions -------------------------------------------------------------

  private pos(): Pos {
    return { offset: this.i, line: this.line, column: this.col };
  }

  private range(start: Pos): Range {
    return { start, end: this.pos() };
  }

  private advance(n = 1): void {
    for (let k = 0; k < n && this.i < this.text.length; k++) {
      if (this.text[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else this.col++;
      this.i++;
    }
  }

  private fail(message: string, hint?: string, at: Pos = this.pos()): never {
    throw new HclSyntaxError(at, message, hint);
  }

  private peek(n = 0): string {
    return this.text[this.i + n] ?? '';
  }

  private startsWith(s: string): boolean {
    return this.text.startsWith(s, this.i);
  }

  private describeHere(): string {
    if (this.i >= this.text.length) return 'the end of the file';
    const c = this.peek();
    if (c === '\n') return 'a new line';
    return `"${c}"`;
  }

  // --- spaces and comments ---------------------------------------------------

  /** Skips spaces and comments; newlines too when `newlines` (or inside brackets). */
  private skip(newlines = this.bracketDepth > 0): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.advance();
      else if (c === '\n' && newlines) this.advance();
      else if (c === '#' || (c === '/' && this.peek(1) === '/')) {
        while (this.i < this.text.length && this.peek() !== '\n') this.advance();
      } else if (c === '/' && this.peek(1) === '*') {
        const start = this.pos();
        const end = this.text.indexOf('*/', this.i + 2);
        if (end < 0) this.fail('this comment is never closed', 'end it with */', start);
        // A block comment that spans lines counts as the newline it holds.
        const holdsNewline = this.text.slice(this.i, end).includes('\n');
        if (holdsNewline && !newlines) return;
        this.advance(end + 2 - this.i);
      } else return;
    }
  }

  private expect(s: string, what = `"${s}"`, hint?: string): Pos {
    this.skip();
    const at = this.pos();
    if (!this.startsWith(s)) this.fail(`expected ${what}, found ${this.describeHere()}`, hint);
    this.advance(s.length);
    return at;
  }

  private identifier(): { name: string; range: Range } | undefined {
    const start = this.pos();
    if (!IDENT_START.test(this.peek())) return undefined;
    let name = '';
    while (IDENT_PART.test(this.peek())) {
      name += this.peek();
      this.advance();
    }
    return { name, range: this.range(start) };
  }

  // --- bodies ----------------------------------------------------------------

  private body(closing: '}' | undefined, opener?: Pos): Body {
    const start = this.pos();
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    const saved = this.bracketDepth;
    this.bracketDepth = 0;
    for (;;) {
      this.skip(true);
      if (this.i >= this.text.length) {
        if (closing) this.fail('this block is never closed', 'add "}" at its end', opener ?? start);
        break;
      }
      if (closing && this.peek() === closing) break;
      const name = this.identifier();
      if (!name)
        this.fail(
          `expected an attribute or a block, found ${this.describeHere()}`,
          'write name = value, or type "label" { ... }',
        );
      this.skip(false);
      if (this.peek() === '=' && this.peek(1) !== '=') {
        this.advance();
        const expr = this.expression();
        attributes.push({ name: name.name, nameRange: name.range, expr, range: this.range(name.range.start) });
        this.endOfLine('after the attribute');
      } else {
        const labels: Block['labels'] = [];
        for (;;) {
          this.skip(false);
          const c = this.peek();
          if (c === '"') {
            const labelStart = this.pos();
            const t = this.quoted();
            if (t.parts.some((p) => !('text' in p)))
              this.fail('a block label cannot hold ${...}', 'write the label as plain text', labelStart);
            labels.push({ value: t.parts.map((p) => ('text' in p ? p.text : '')).join(''), range: t.range });
          } else if (IDENT_START.test(c)) {
            const label = this.identifier()!;
            labels.push({ value: label.name, range: label.range });
          } else break;
        }
        if (this.peek() !== '{')
          this.fail(
            `expected "=" or "{" after "${name.name}", found ${this.describeHere()}`,
            `set an attribute with ${name.name} = value, or open a block with ${name.name} { ... }`,
          );
        this.advance();
        const inner = this.body('}', name.range.start);
        this.advance(); // the closing brace
        blocks.push({
          type: name.name,
          typeRange: name.range,
          labels,
          body: inner,
          range: this.range(name.range.start),
        });
        this.endOfLine('after the block');
      }
    }
    this.bracketDepth = saved;
    return { attributes, blocks, range: this.range(start) };
  }

  /** An attribute or a block ends at a newline, the end of the file, or the enclosing "}". */
  private endOfLine(where: string): void {
    this.skip(false);
    const c = this.peek();
    if (c === '\n') this.advance();
    else if (c !== '}' && this.i < this.text.length)
      this.fail(
        `expected a new line ${where}, found ${this.describeHere()}`,
        'put each attribute and block on its own line',
      );
  }

  // --- expressions -----------------------------------------------------------

  expression(): Expr {
    this.skip();
    const start = this.pos();
    const condition = this.binary(0);
    this.skip();
    if (this.peek() !== '?') return condition;
    this.advance();
    const then = this.expression();
    this.expect(':', '":" of the conditional', 'write condition ? value : other_value');
    const otherwise = this.expression();
    return { kind: 'conditional', condition, then, else: otherwise, range: this.range(start) };
  }

  private binary(level: number): Expr {
    if (level >= PRECEDENCE.length) return this.unary();
    this.skip();
    const start = this.pos();
    let left = this.binary(level + 1);
    for (;;) {
      this.skip();
      const op = PRECEDENCE[level]!.filter((o) => this.startsWith(o)).sort((a, b) => b.length - a.length)[0];
      // "<" also starts "<<" (a heredoc), which is never a comparison; "=" alone is not "==".
      if (!op || (op === '<' && this.peek(1) === '<')) return left;
      if ((op === '<' || op === '>') && this.peek(1) === '=' && !PRECEDENCE[level]!.includes(`${op}=` as BinaryOp))
        return left;
      this.advance(op.length);
      const right = this.binary(level + 1);
      left = { kind: 'binary', op, left, right, range: this.range(start) };
    }
  }

  private unary(): Expr {
    this.skip();
    const start = this.pos();
    const c = this.peek();
    if ((c === '-' || c === '!') && !(c === '!' && this.peek(1) === '=')) {
      this.advance();
      const operand = this.unary();
      return { kind: 'unary', op: c, operand, range: this.range(start) };
    }
    return this.postfix(this.primary());
  }

  /** Attribute access, indexes and splats after a primary expression. */
  private postfix(expr: Expr): Expr {
    const start = expr.range.start;
    for (;;) {
      this.skip();
      if (this.peek() === '.' && this.peek(1) === '*') {
        this.advance(2);
        expr = { kind: 'splat', source: expr, each: this.splatEach(true), range: this.range(start) };
      } else if (
        this.peek() === '[' &&
        this.text
          .slice(this.i + 1)
          .trimStart()
          .startsWith('*')
      ) {
        this.advance();
        this.bracketDepth++;
        this.expect('*');
        this.expect(']');
        this.bracketDepth--;
        expr = { kind: 'splat', source: expr, each: this.splatEach(false), range: this.range(start) };
      } else if (this.peek() === '.') {
        this.advance();
        this.skip();
        if (/[0-9]/.test(this.peek())) {
          const numStart = this.pos();
          let digits = '';
          while (/[0-9]/.test(this.peek())) {
            digits += this.peek();
            this.advance();
          }
          const key: Expr = { kind: 'literal', value: Number(digits), range: this.range(numStart) };
          expr = { kind: 'index', object: expr, key, range: this.range(start) };
          continue;
        }
        const name = this.identifier();
        if (!name) this.fail(`expected an attribute name after ".", found ${this.describeHere()}`);
        expr = { kind: 'getattr', object: expr, name: name.name, range: this.range(start) };
      } else if (this.peek() === '[') {
        this.advance();
        this.bracketDepth++;
        const key = this.expression();
        this.expect(']', '"]" to close the index');
        this.bracketDepth--;
        expr = { kind: 'index', object: expr, key, range: this.range(start) };
      } else return expr;
    }
  }

  /** What follows a splat: attribute names (.*) or any traversal ([*]), applied to each item. */
  private splatEach(attributesOnly: boolean): Expr {
    const start = this.pos();
    let each: Expr = { kind: 'splat-item', range: this.range(start) };
    for (;;) {
      if (this.peek() === '.' && IDENT_START.test(this.peek(1))) {
        this.advance();
        const name = this.identifier()!;
        each = { kind: 'getattr', object: each, name: name.name, range: this.range(start) };
      } else if (!attributesOnly && this.peek() === '[') {
        this.advance();
        this.bracketDepth++;
        const key = this.expression();
        this.expect(']');
        this.bracketDepth--;
        each = { kind: 'index', object: each, key, range: this.range(start) };
      } else return each;
    }
  }

  private primary(): Expr {
    this.skip();
    const start = this.pos();
    const c = this.peek();
    if (c === '"') return this.quoted();
    if (c === '<' && this.peek(1) === '<') return this.heredoc();
    if (/[0-9]/.test(c)) return this.number();
    if (c === '(') {
      this.advance();
      this.bracketDepth++;
      const expr = this.expression();
      this.expect(')', '")" to close the parenthesis');
      this.bracketDepth--;
      return { kind: 'parens', expr, range: this.range(start) };
    }
    if (c === '[') return this.tuple();
    if (c === '{') return this.object();
    const name = this.identifier();
    if (!name)
      this.fail(
        `expected a value, found ${this.describeHere()}`,
        'a value is a string in double quotes, a number, true, false, null, a list [...], an object {...}, a variable or a function call',
      );
    if (name.name === 'true' || name.name === 'false')
      return { kind: 'literal', value: name.name === 'true', range: name.range };
    if (name.name === 'null') return { kind: 'literal', value: null, range: name.range };
    if (this.peek() === '(') return this.call(name);
    return { kind: 'variable', name: name.name, range: name.range };
  }

  private number(): Expr {
    const start = this.pos();
    const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i))!;
    this.advance(m[0].length);
    return { kind: 'literal', value: Number(m[0]), range: this.range(start) };
  }

  private call(name: { name: string; range: Range }): Expr {
    this.advance(); // (
    this.bracketDepth++;
    const args: Expr[] = [];
    let expandFinal = false;
    for (;;) {
      this.skip();
      if (this.peek() === ')') break;
      args.push(this.expression());
      this.skip();
      if (this.startsWith('...')) {
        this.advance(3);
        expandFinal = true;
        this.skip();
        if (this.peek() !== ')') this.fail('"..." can only follow the last argument');
        break;
      }
      if (this.peek() === ',') this.advance();
      else if (this.peek() !== ')')
        this.fail(`expected "," or ")" in the call of ${name.name}, found ${this.describeHere()}`);
    }
    this.advance(); // )
    this.bracketDepth--;
    return {
      kind: 'call',
      name: name.name,
      nameRange: name.range,
      args,
      expandFinal,
      range: this.range(name.range.start),
    };
  }

  private tuple(): Expr {
    const start = this.pos();
    this.advance();
    this.bracketDepth++;
    this.skip();
    if (this.startsWith('for') && !IDENT_PART.test(this.peek(3))) return this.forExpr(start, ']');
    const items: Expr[] = [];
    for (;;) {
      this.skip();
      if (this.peek() === ']') break;
      items.push(this.expression());
      this.skip();
      if (this.peek() === ',') this.advance();
      else if (this.peek() !== ']')
        this.fail(`expected "," or "]" in the list, found ${this.describeHere()}`, 'separate the items with commas');
    }
    this.advance();
    this.bracketDepth--;
    return { kind: 'tuple', items, range: this.range(start) };
  }

  private object(): Expr {
    const start = this.pos();
    this.advance();
    this.bracketDepth++;
    this.skip();
    if (this.startsWith('for') && !IDENT_PART.test(this.peek(3))) return this.forExpr(start, '}');
    const items: { key: Expr; value: Expr }[] = [];
    for (;;) {
      this.skip();
      if (this.peek() === '}') break;
      const keyStart = this.pos();
      // A bare name is the key itself, not a variable; (expr) is evaluated.
      const bare = IDENT_START.test(this.peek()) ? this.identifier() : undefined;
      const key: Expr = bare ? { kind: 'literal', value: bare.name, range: bare.range } : this.expression();
      this.skip();
      if (this.peek() !== '=' && this.peek() !== ':')
        this.fail(`expected "=" after the key, found ${this.describeHere()}`, 'write key = value', keyStart);
      this.advance();
      const value = this.expression();
      items.push({ key, value });
      this.skip();
      if (this.peek() === ',') this.advance();
      else if (this.peek() !== '}' && !/[A-Za-z_"(0-9]/.test(this.peek()))
        this.fail(`expected "," or "}" in the object, found ${this.describeHere()}`);
    }
    this.advance();
    this.bracketDepth--;
    return { kind: 'object', items, range: this.range(start) };
  }

  /** The variables of a for expression or directive (`item`, or `key, item`) and the "in" after them. */
  private forVariables(after: string, hint: string): { keyVar: string | undefined; valueVar: string } {
    this.skip(true);
    const first = this.identifier();
    if (!first) this.fail(`expected a variable name after ${after}`);
    this.skip(true);
    let keyVar: string | undefined;
    let valueVar = first.name;
    if (this.peek() === ',') {
      this.advance();
      this.skip(true);
      const second = this.identifier();
      if (!second) this.fail('expected a second variable name after ","');
      keyVar = first.name;
      valueVar = second.name;
    }
    this.expect('in', '"in"', hint);
    return { keyVar, valueVar };
  }

  private forExpr(start: Pos, closing: ']' | '}'): Expr {
    this.advance(3);
    const { keyVar, valueVar } = this.forVariables('"for"', 'write for item in collection : result');
    const collection = this.expression();
    this.expect(':', '":" after the collection');
    let keyExpr: Expr | undefined;
    let valueExpr = this.expression();
    this.skip();
    if (closing === '}') {
      keyExpr = valueExpr;
      this.expect('=>', '"=>" between the key and the value', 'write {for k, v in m : k => v}');
      valueExpr = this.expression();
    }
    this.skip();
    let group = false;
    if (this.startsWith('...')) {
      this.advance(3);
      group = true;
      this.skip();
    }
    let condition: Expr | undefined;
    if (this.startsWith('if') && !IDENT_PART.test(this.peek(2))) {
      this.advance(2);
      condition = this.expression();
    }
    this.expect(closing, `"${closing}" to close the for expression`);
    this.bracketDepth--;
    return {
      kind: 'for',
      keyVar,
      valueVar,
      collection,
      keyExpr,
      valueExpr,
      condition,
      group,
      range: this.range(start),
    };
  }

  // --- strings -----------------------------------------------------------------

  /** A double-quoted string, which may interpolate ${...}. */
  private quoted(): Expr & { kind: 'template'; parts: TemplatePart[] } {
    const start = this.pos();
    this.advance();
    const parts = this.templateParts(start, false);
    return { kind: 'template', parts, range: this.range(start) };
  }

  /** The whole text as a template without escapes (a heredoc's body, a templatefile). */
  rawTemplate(): TemplatePart[] {
    return this.templateParts(this.pos(), true);
  }

  private templateParts(start: Pos, raw: boolean): TemplatePart[] {
    return this.templateUntil(start, raw, []).parts;
  }

  /** Template parts up to the end, or up to one of the directives in `closers` (%{else}, %{endif}, %{endfor}). */
  private templateUntil(start: Pos, raw: boolean, closers: string[]): { parts: TemplatePart[]; closer?: string } {
    const parts: TemplatePart[] = [];
    let text = '';
    const flush = () => {
      if (text) parts.push({ text });
      text = '';
    };
    for (;;) {
      const c = this.peek();
      const ended = raw ? this.i >= this.text.length : c === '"';
      if (ended && closers.length)
        this.fail(`this template directive is never closed`, `end it with %{${closers[closers.length - 1]}}`, start);
      if (raw && ended) break;
      if (!raw && (this.i >= this.text.length || c === '\n'))
        this.fail(
          'this string is never closed',
          'end it with " on the same line, or use a heredoc (<<EOT) for several lines',
          start,
        );
      if (!raw && c === '"') {
        this.advance();
        break;
      }
      if (!raw && c === '\\') {
        text += this.escape();
        continue;
      }
      if (this.startsWith('%{')) {
        const directiveStart = this.pos();
        this.advance(2);
        if (this.peek() === '~') {
          this.advance();
          text = text.replace(/\s+$/, '');
          const last = parts[parts.length - 1];
          if (!text && last && 'text' in last) last.text = last.text.replace(/\s+$/, '');
        }
        flush();
        this.skip(true);
        const keyword = this.identifier()?.name ?? '';
        if (closers.includes(keyword)) {
          this.endDirective();
          return { parts, closer: keyword };
        }
        if (keyword === 'if') {
          const condition = this.directiveExpression();
          const then = this.templateUntil(directiveStart, raw, ['else', 'endif']);
          const otherwise = then.closer === 'else' ? this.templateUntil(directiveStart, raw, ['endif']).parts : [];
          parts.push({ if: condition, then: then.parts, else: otherwise });
        } else if (keyword === 'for') {
          const { keyVar, valueVar } = this.forVariables('%{for', 'write %{for item in list}');
          const collection = this.directiveExpression();
          const body = this.templateUntil(directiveStart, raw, ['endfor']);
          parts.push({ for: { keyVar, valueVar, collection }, body: body.parts });
        } else
          this.fail(
            keyword ? `%{${keyword}} is not expected here` : 'expected if, for, else, endif or endfor after %{',
            closers.length ? `close the directive with %{${closers[closers.length - 1]}}` : undefined,
            directiveStart,
          );
        continue;
      }
      const piece = this.templatePiece(parts, text);
      if (piece !== undefined) {
        text = piece;
        continue;
      }
      text += c;
      this.advance();
    }
    flush();
    if (!parts.length) parts.push({ text: '' });
    return { parts };
  }

  /** The expression of %{if …} or %{for … in …}, up to the directive's "}". */
  private directiveExpression(): Expr {
    const saved = this.bracketDepth;
    this.bracketDepth = 1;
    const expr = this.expression();
    this.bracketDepth = saved;
    this.endDirective();
    return expr;
  }

  /** The end of a directive: an optional "~" (strip what follows) and "}". */
  private endDirective(): void {
    this.skip(true);
    let strip = false;
    if (this.peek() === '~') {
      strip = true;
      this.advance();
    }
    if (this.peek() !== '}') this.fail(`expected "}" to end the directive, found ${this.describeHere()}`);
    this.advance();
    if (strip) while (/[ \t\r\n]/.test(this.peek())) this.advance();
  }

  /**
   * At "${", "$${" or "%%{": handles the interpolation or escape and returns the
   * pending text; otherwise undefined.
   */
  private templatePiece(parts: TemplatePart[], text: string): string | undefined {
    if (this.startsWith('$${') || this.startsWith('%%{')) {
      const literal = this.peek() + '{';
      this.advance(3);
      return text + literal;
    }
    if (!this.startsWith('${')) return undefined;
    this.advance(2);
    let stripBefore = false;
    if (this.peek() === '~') {
      stripBefore = true;
      this.advance();
    }
    if (text) parts.push({ text: stripBefore ? text.replace(/\s+$/, '') : text });
    else if (stripBefore) {
      const last = parts[parts.length - 1];
      if (last && 'text' in last) last.text = last.text.replace(/\s+$/, '');
    }
    const saved = this.bracketDepth;
    this.bracketDepth = 1;
    const expr = this.expression();
    this.skip();
    let stripAfter = false;
    if (this.peek() === '~') {
      stripAfter = true;
      this.advance();
    }
    if (this.peek() !== '}') this.fail(`expected "}" to end the interpolation, found ${this.describeHere()}`);
    this.advance();
    this.bracketDepth = saved;
    parts.push({ expr });
    if (stripAfter) while (/[ \t\r\n]/.test(this.peek())) this.advance();
    return '';
  }

  private escape(): string {
    const at = this.pos();
    const c = this.peek(1);
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
    if (c in simple) {
      this.advance(2);
      return simple[c]!;
    }
    if (c === 'u' || c === 'U') {
      const digits = c === 'u' ? 4 : 8;
      const hex = this.text.slice(this.i + 2, this.i + 2 + digits);
      if (!new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(hex))
        this.fail(`\\${c} needs ${digits} hexadecimal digits`, undefined, at);
      this.advance(2 + digits);
      return String.fromCodePoint(parseInt(hex, 16));
    }
    this.fail(`"\\${c}" is not an escape HCL knows`, 'use \\n, \\r, \\t, \\", \\\\, \\uNNNN or \\UNNNNNNNN', at);
  }

  /** <<EOT ... EOT, or <<-EOT, which removes the lines' common indentation. */
  private heredoc(): Expr {
    const start = this.pos();
    this.advance(2);
    let indent = false;
    if (this.peek() === '-') {
      indent = true;
      this.advance();
    }
    const marker = this.identifier();
    if (!marker) this.fail('expected the heredoc marker after "<<", such as EOT');
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\r') this.advance();
    if (this.peek() !== '\n') this.fail('a heredoc starts on the line after its marker');
    this.advance();
    // Find the closing marker: a line holding only the marker (indented, with <<-).
    const lines: { text: string; offset: number }[] = [];
    for (;;) {
      if (this.i >= this.text.length)
        this.fail(`this heredoc is never closed`, `end it with a line holding only ${marker.name}`, start);
      const end = this.text.indexOf('\n', this.i);
      const lineText = this.text.slice(this.i, end < 0 ? undefined : end).replace(/\r$/, '');
      if (lineText.trim() === marker.name && (indent || lineText.trimStart() === lineText)) {
        this.advance(lineText.length - lineText.trimStart().length + marker.name.length);
        break;
      }
      lines.push({ text: lineText, offset: this.i });
      this.advance((end < 0 ? this.text.length : end + 1) - this.i);
    }
    const common = indent
      ? Math.min(...lines.filter((l) => l.text.trim()).map((l) => l.text.length - l.text.trimStart().length), Infinity)
      : 0;
    const body = lines.map((l) => `${l.text.slice(Number.isFinite(common) ? common : 0)}\n`).join('');
    const parts = parseTemplateText(body, { line: start.line + 1, column: 1 + (Number.isFinite(common) ? common : 0) });
    return { kind: 'template', parts, range: this.range(start) };
  }
}

/** Parses a heredoc's body or a file read by templatefile as a template, ${...} and all. */
export function parseTemplateText(text: string, at = { line: 1, column: 1 }): TemplatePart[] {
  return new Parser(text, at).rawTemplate();
}
