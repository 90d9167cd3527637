import type { DiagnosticBag } from '../diagnostics.js';
import { suggestion } from '../diagnostics.js';
import type { Attribute, Body, Expr, Range } from './ast.js';
import { evaluate, HclEvalError, type EvalContext, type HclValue } from './evaluate.js';
import type { Where } from './variables.js';

/** Reports problems in HCL files at their line and column. */
export class HclReporter {
  constructor(readonly bag: DiagnosticBag) {}

  error(file: string, range: Range, message: string, hint?: string): void {
    this.report({ file, range }, message, hint);
  }

  warn(file: string, range: Range, message: string, hint?: string): void {
    this.report({ file, range }, message, hint, 'warning');
  }

  report(where: Where, message: string, hint?: string, severity: 'error' | 'warning' = 'error'): void {
    const at =
      'path' in where
        ? { path: where.path }
        : { file: where.file, line: where.range.start.line, column: where.range.start.column };
    this.bag.add({ ...at, severity, message, hint });
  }

  /** Evaluates, turning an evaluation error into a located diagnostic (undefined then). */
  eval(expr: Expr, file: string, ctx: EvalContext): HclValue | undefined {
    try {
      return evaluate(expr, ctx);
    } catch (err) {
      if (!(err instanceof HclEvalError)) throw err;
      this.error(file, err.range, err.message, err.hint);
      return undefined;
    }
  }

  /** The attributes of a block that has a fixed set, reporting unknown attributes and blocks. */
  attributes(file: string, body: Body, allowed: string[], blocks: string[]): Record<string, Attribute> {
    const out: Record<string, Attribute> = {};
    for (const attribute of body.attributes) {
      if (!allowed.includes(attribute.name)) {
        this.error(
          file,
          attribute.nameRange,
          `unknown attribute "${attribute.name}"`,
          suggestion(attribute.name, allowed, 'one of'),
        );
        continue;
      }
      if (attribute.name in out) this.error(file, attribute.nameRange, `"${attribute.name}" is set twice`);
      out[attribute.name] = attribute;
    }
    for (const block of body.blocks)
      if (!blocks.includes(block.type))
        this.error(
          file,
          block.typeRange,
          `unexpected block "${block.type}" here`,
          blocks.length ? suggestion(block.type, blocks, 'one of') : undefined,
        );
    return out;
  }
}
