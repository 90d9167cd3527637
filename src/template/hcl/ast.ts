/** A place in an HCL file: 0-based offset, 1-based line and column. */
export interface Pos {
  offset: number;
  line: number;
  column: number;
}

export interface Range {
  start: Pos;
  end: Pos;
}

/** The contents of a file or a block: attributes and nested blocks, in file order. */
export interface Body {
  attributes: Attribute[];
  blocks: Block[];
  range: Range;
}

export interface Attribute {
  name: string;
  nameRange: Range;
  expr: Expr;
  range: Range;
}

export interface Block {
  type: string;
  typeRange: Range;
  labels: { value: string; range: Range }[];
  body: Body;
  range: Range;
}

/** One piece of a string template: literal text, an interpolation, or a %{if} or %{for} directive. */
export type TemplatePart =
  | { text: string }
  | { expr: Expr }
  | { if: Expr; then: TemplatePart[]; else: TemplatePart[] }
  | { for: { keyVar: string | undefined; valueVar: string; collection: Expr }; body: TemplatePart[] };

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export type Expr = { range: Range } & (
  | { kind: 'literal'; value: null | boolean | number | string }
  | { kind: 'template'; parts: TemplatePart[] }
  | { kind: 'tuple'; items: Expr[] }
  | { kind: 'object'; items: { key: Expr; value: Expr }[] }
  | { kind: 'variable'; name: string }
  | { kind: 'getattr'; object: Expr; name: string }
  | { kind: 'index'; object: Expr; key: Expr }
  /** `source[*].each` or `source.*.each`: `each` is evaluated per item, on an `item` expression. */
  | { kind: 'splat'; source: Expr; each: Expr }
  | { kind: 'splat-item' }
  | { kind: 'call'; name: string; nameRange: Range; args: Expr[]; expandFinal: boolean }
  | { kind: 'unary'; op: '-' | '!'; operand: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'conditional'; condition: Expr; then: Expr; else: Expr }
  | {
      kind: 'for';
      keyVar: string | undefined;
      valueVar: string;
      collection: Expr;
      /** Set for an object result `{for … : key => value}`. */
      keyExpr: Expr | undefined;
      valueExpr: Expr;
      condition: Expr | undefined;
      group: boolean;
    }
  | { kind: 'parens'; expr: Expr }
);

/** A syntax error with where it is and how to fix it. */
export class HclSyntaxError extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HclSyntaxError';
  }
}
