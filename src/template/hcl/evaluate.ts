import { suggestion } from '../diagnostics.js';
import type { Expr, Range, TemplatePart } from './ast.js';

/** A value of an HCL expression, as plain JavaScript: null, boolean, number, string, list or map. */
export type HclValue = null | boolean | number | string | HclValue[] | { [key: string]: HclValue };

/** An evaluation error pointing at the expression that failed. */
export class HclEvalError extends Error {
  constructor(
    readonly range: Range,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HclEvalError';
  }
}

export interface HclFunction {
  /** How many arguments it takes: exactly, or at least `min` (and at most `max`). */
  min: number;
  max?: number;
  call(args: HclValue[], at: Range): HclValue;
}

export interface EvalContext {
  /** The root names an expression may use (var, local, path, source, ...). */
  lookup(name: string, at: Range): HclValue;
  /** Known root names, for "did you mean". */
  rootNames(): string[];
  functions: Record<string, HclFunction>;
}

export function isMap(v: HclValue | undefined): v is { [key: string]: HclValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: HclValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (isMap(v)) return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** HCL's conversion to a string: numbers and booleans convert, the rest does not. */
export function asString(v: HclValue, at: Range, what = 'this value'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) throw new HclEvalError(at, `${what} is null, where a string is needed`);
  throw new HclEvalError(
    at,
    `${what} is a ${typeName(v)}, where a string is needed`,
    'use jsonencode() or join() to make a string of it',
  );
}

export function asNumber(v: HclValue, at: Range, what = 'this value'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new HclEvalError(at, `${what} is ${describe(v)}, where a number is needed`);
}

export function asBool(v: HclValue, at: Range, what = 'this value'): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new HclEvalError(at, `${what} is ${describe(v)}, where true or false is needed`);
}

export function asList(v: HclValue, at: Range, what = 'this value'): HclValue[] {
  if (Array.isArray(v)) return v;
  throw new HclEvalError(at, `${what} is ${describe(v)}, where a list is needed`);
}

function describe(v: HclValue): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : isMap(v) ? 'an object' : `${typeName(v)} ${String(v)}`;
}

/** Evaluates an expression with HCL's semantics. */
export function evaluate(expr: Expr, ctx: EvalContext, locals: Map<string, HclValue> = new Map()): HclValue {
  const ev = (e: Expr, scope = locals) => evaluate(e, ctx, scope);
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'template':
      return renderTemplate(expr.parts, ctx, locals);
    case 'parens':
      return ev(expr.expr);
    case 'tuple':
      return expr.items.map((i) => ev(i));
    case 'object': {
      const out: { [key: string]: HclValue } = {};
      for (const { key, value } of expr.items) out[asString(ev(key), key.range, 'an object key')] = ev(value);
      return out;
    }
    case 'variable':
      if (locals.has(expr.name)) return locals.get(expr.name)!;
      return ctx.lookup(expr.name, expr.range);
    case 'getattr': {
      const object = ev(expr.object);
      if (isMap(object)) {
        if (!(expr.name in object))
          throw new HclEvalError(
            expr.range,
            `this object has no attribute "${expr.name}"`,
            Object.keys(object).length ? `it has: ${Object.keys(object).join(', ')}` : undefined,
          );
        return object[expr.name]!;
      }
      throw new HclEvalError(expr.range, `cannot read "${expr.name}" of ${describe(object)}`);
    }
    case 'index': {
      const object = ev(expr.object);
      const key = ev(expr.key);
      if (Array.isArray(object)) {
        const i = asNumber(key, expr.key.range, 'the index');
        if (!Number.isInteger(i) || i < 0 || i >= object.length)
          throw new HclEvalError(expr.key.range, `index ${i} is out of range: the list has ${object.length} items`);
        return object[i]!;
      }
      if (isMap(object)) {
        const k = asString(key, expr.key.range, 'the key');
        if (!(k in object)) throw new HclEvalError(expr.key.range, `the object has no key "${k}"`);
        return object[k]!;
      }
      throw new HclEvalError(expr.range, `cannot index ${describe(object)}`);
    }
    case 'splat': {
      const source = ev(expr.source);
      // A splat over a single value treats it as a list of one; over null, as an empty list.
      const items = source === null ? [] : Array.isArray(source) ? source : [source];
      return items.map((item) => ev(expr.each, new Map([...locals, ['\u0000splat', item]])));
    }
    case 'splat-item':
      return locals.get('\u0000splat') ?? null;
    case 'call': {
      // can() and try() look at whether their arguments fail, so they evaluate them themselves.
      if (expr.name === 'can' || expr.name === 'try') {
        if (expr.name === 'can' && expr.args.length !== 1)
          throw new HclEvalError(expr.range, `can() takes 1 argument, not ${expr.args.length}`);
        for (const arg of expr.args) {
          try {
            const value = ev(arg);
            return expr.name === 'can' ? true : value;
          } catch (err) {
            if (!(err instanceof HclEvalError)) throw err;
            if (expr.name === 'can') return false;
          }
        }
        throw new HclEvalError(expr.range, 'try(): every argument failed');
      }
      const fn = ctx.functions[expr.name];
      if (!fn)
        throw new HclEvalError(
          expr.nameRange,
          `there is no function named "${expr.name}" in boxwright`,
          suggestion(expr.name, Object.keys(ctx.functions), 'a function such as'),
        );
      let args = expr.args.map((a) => ev(a));
      if (expr.expandFinal) {
        const last = args.pop();
        args = [...args, ...asList(last ?? null, expr.args[expr.args.length - 1]!.range, 'the argument before "..."')];
      }
      if (args.length < fn.min || (fn.max !== undefined && args.length > fn.max)) {
        const want =
          fn.max === fn.min ? `${fn.min}` : fn.max === undefined ? `at least ${fn.min}` : `${fn.min} to ${fn.max}`;
        throw new HclEvalError(
          expr.range,
          `${expr.name}() takes ${want} argument${want === '1' ? '' : 's'}, not ${args.length}`,
        );
      }
      return fn.call(args, expr.range);
    }
    case 'unary': {
      const v = ev(expr.operand);
      return expr.op === '-' ? -asNumber(v, expr.operand.range) : !asBool(v, expr.operand.range);
    }
    case 'binary':
      return binary(expr, ev);
    case 'conditional':
      return asBool(ev(expr.condition), expr.condition.range, 'the condition') ? ev(expr.then) : ev(expr.else);
    case 'for':
      return forExpression(expr, ev, locals);
  }
}

function binary(expr: Expr & { kind: 'binary' }, ev: (e: Expr) => HclValue): HclValue {
  const { op, left, right } = expr;
  if (op === '&&' || op === '||') {
    const l = asBool(ev(left), left.range);
    if (op === '&&' && !l) return false;
    if (op === '||' && l) return true;
    return asBool(ev(right), right.range);
  }
  const l = ev(left);
  const r = ev(right);
  if (op === '==' || op === '!=') return (JSON.stringify(l) === JSON.stringify(r)) === (op === '==');
  const a = asNumber(l, left.range);
  const b = asNumber(r, right.range);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new HclEvalError(right.range, 'division by zero');
      return a / b;
    case '%':
      if (b === 0) throw new HclEvalError(right.range, 'modulo by zero');
      return a % b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function forExpression(
  expr: Expr & { kind: 'for' },
  ev: (e: Expr, scope?: Map<string, HclValue>) => HclValue,
  locals: Map<string, HclValue>,
): HclValue {
  const collection = ev(expr.collection);
  let entries: [HclValue, HclValue][];
  if (Array.isArray(collection)) entries = collection.map((v, i) => [i, v]);
  else if (isMap(collection)) entries = Object.entries(collection).sort(([a], [b]) => (a < b ? -1 : 1));
  else
    throw new HclEvalError(
      expr.collection.range,
      `a for expression needs a list or an object, not ${describe(collection)}`,
    );
  const list: HclValue[] = [];
  const object: { [key: string]: HclValue } = {};
  const groups: { [key: string]: HclValue[] } = {};
  for (const [k, v] of entries) {
    const scope = new Map(locals);
    if (expr.keyVar) scope.set(expr.keyVar, k);
    scope.set(expr.valueVar, v);
    if (expr.condition && !asBool(ev(expr.condition, scope), expr.condition.range, 'the if condition')) continue;
    const value = ev(expr.valueExpr, scope);
    if (!expr.keyExpr) {
      list.push(value);
      continue;
    }
    const key = asString(ev(expr.keyExpr, scope), expr.keyExpr.range, 'the key');
    if (expr.group) (groups[key] ??= []).push(value);
    else {
      if (key in object)
        throw new HclEvalError(
          expr.keyExpr.range,
          `two items have the key "${key}"`,
          'add "..." after the value to group them',
        );
      object[key] = value;
    }
  }
  return expr.keyExpr ? (expr.group ? groups : object) : list;
}

/** Renders a string template: literal text and interpolations, each converted to a string. */
export function renderTemplate(
  parts: TemplatePart[],
  ctx: EvalContext,
  locals: Map<string, HclValue> = new Map(),
  asText = false,
): HclValue {
  // "${x}" alone keeps x's type, as in HCL.
  if (!asText && parts.length === 1 && 'expr' in parts[0]!) return evaluate(parts[0].expr, ctx, locals);
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else if ('expr' in part)
      out += asString(evaluate(part.expr, ctx, locals), part.expr.range, 'the interpolated value');
    else if ('if' in part) {
      const holds = asBool(evaluate(part.if, ctx, locals), part.if.range, 'the %{if} condition');
      out += asString(renderTemplate(holds ? part.then : part.else, ctx, locals, true), part.if.range);
    } else {
      const { keyVar, valueVar, collection } = part.for;
      const items = evaluate(collection, ctx, locals);
      const entries: [HclValue, HclValue][] = Array.isArray(items)
        ? items.map((v, i) => [i, v])
        : isMap(items)
          ? Object.entries(items)
          : [];
      if (!Array.isArray(items) && !isMap(items))
        throw new HclEvalError(collection.range, `%{for} needs a list or an object, not ${describe(items)}`);
      for (const [k, v] of entries) {
        const scope = new Map(locals);
        if (keyVar) scope.set(keyVar, k);
        scope.set(valueVar, v);
        out += asString(renderTemplate(part.body, ctx, scope, true), collection.range);
      }
    }
  }
  return out;
}
