import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DiagnosticBag } from '../diagnostics.js';
import { HclSyntaxError, type Block, type Body, type Expr, type Range } from './ast.js';
import {
  asBool,
  asNumber,
  asString,
  evaluate,
  HclEvalError,
  isMap,
  typeName,
  type EvalContext,
  type HclValue,
} from './evaluate.js';
import { parseHcl } from './parse.js';

/** A variable's type constraint, as HCL writes it: string, list(string), map(number), object({...}), any. */
export type TypeConstraint =
  | { kind: 'string' | 'number' | 'bool' | 'any' }
  | { kind: 'list' | 'set' | 'map'; of: TypeConstraint }
  | { kind: 'object'; attributes: Record<string, TypeConstraint> }
  | { kind: 'tuple'; items: TypeConstraint[] };

/** A place in a file, or a command-line option or environment variable (-var, PKR_VAR_name). */
export type Where = { file: string; range: Range } | { path: string };

export interface HclVariable {
  name: string;
  file: string;
  block: Block;
  type: TypeConstraint;
  sensitive: boolean;
  /** Undefined when the variable has no default and was not set. */
  value: HclValue | undefined;
  /** The default the template gives, if any. */
  default: HclValue | undefined;
  /** Where the value came from, for errors about it. */
  setAt: Where | undefined;
}

/** Reads a type constraint from its expression. */
export function typeConstraint(expr: Expr, file: string, bag: DiagnosticBag): TypeConstraint {
  const fail = (): TypeConstraint => {
    bag.add({
      file,
      line: expr.range.start.line,
      column: expr.range.start.column,
      message: 'this is not a type',
      hint: 'use string, number, bool, list(TYPE), set(TYPE), map(TYPE), object({...}), tuple([...]) or any',
    });
    return { kind: 'any' };
  };
  if (expr.kind === 'variable') {
    if (['string', 'number', 'bool', 'any'].includes(expr.name))
      return { kind: expr.name as 'string' | 'number' | 'bool' | 'any' };
    if (['list', 'set', 'map'].includes(expr.name)) return { kind: expr.name as 'list', of: { kind: 'any' } };
    return fail();
  }
  if (expr.kind === 'call' && ['list', 'set', 'map'].includes(expr.name) && expr.args.length === 1)
    return { kind: expr.name as 'list' | 'set' | 'map', of: typeConstraint(expr.args[0]!, file, bag) };
  if (expr.kind === 'call' && expr.name === 'object' && expr.args[0]?.kind === 'object') {
    const attributes: Record<string, TypeConstraint> = {};
    for (const item of expr.args[0].items)
      if (item.key.kind === 'literal' && typeof item.key.value === 'string')
        attributes[item.key.value] = typeConstraint(item.value, file, bag);
    return { kind: 'object', attributes };
  }
  if (expr.kind === 'call' && expr.name === 'tuple' && expr.args[0]?.kind === 'tuple')
    return { kind: 'tuple', items: expr.args[0].items.map((i) => typeConstraint(i, file, bag)) };
  return fail();
}

/** Converts a value to a type as HCL does ("5" to 5, 5 to "5", "true" to true), or throws. */
export function convert(value: HclValue, type: TypeConstraint, at: Range, what: string): HclValue {
  if (value === null) return null;
  switch (type.kind) {
    case 'any':
      return value;
    case 'string':
      return asString(value, at, what);
    case 'number':
      return asNumber(value, at, what);
    case 'bool':
      return asBool(value, at, what);
    case 'list':
    case 'set': {
      if (!Array.isArray(value))
        throw new HclEvalError(at, `${what} is a ${typeName(value)}, where a ${type.kind} is needed`);
      const items = value.map((v, i) => convert(v, type.of, at, `item ${i} of ${what}`));
      return type.kind === 'set' ? [...new Map(items.map((v) => [JSON.stringify(v), v])).values()] : items;
    }
    case 'map': {
      if (!isMap(value)) throw new HclEvalError(at, `${what} is a ${typeName(value)}, where a map is needed`);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, type.of, at, `${what}["${k}"]`)]));
    }
    case 'object': {
      if (!isMap(value)) throw new HclEvalError(at, `${what} is a ${typeName(value)}, where an object is needed`);
      const out: Record<string, HclValue> = {};
      for (const [k, t] of Object.entries(type.attributes)) {
        if (!(k in value)) throw new HclEvalError(at, `${what} lacks the attribute "${k}"`);
        out[k] = convert(value[k]!, t, at, `${what}.${k}`);
      }
      return out;
    }
    case 'tuple': {
      if (!Array.isArray(value) || value.length !== type.items.length)
        throw new HclEvalError(at, `${what} must be a list of ${type.items.length} items`);
      return value.map((v, i) => convert(v, type.items[i]!, at, `item ${i} of ${what}`));
    }
  }
}

/** A value given on the command line or in PKR_VAR_*: a string, or HCL for a complex type. */
export function valueFromText(text: string, type: TypeConstraint, at: Range, what: string, ctx: EvalContext): HclValue {
  if (type.kind === 'string' || type.kind === 'number' || type.kind === 'bool' || type.kind === 'any')
    return convert(text, type, at, what);
  let body: Body;
  try {
    body = parseHcl(`value = ${text}\n`);
  } catch (err) {
    if (err instanceof HclSyntaxError) throw new HclEvalError(at, `${what} is not a valid HCL value: ${err.message}`);
    throw err;
  }
  return convert(evaluate(body.attributes[0]!.expr, ctx), type, at, what);
}

/** The assignments of a variables file (NAME.pkrvars.hcl, or .json), each with where it is. */
export function readVarFile(
  file: string,
  bag: DiagnosticBag,
  ctx: EvalContext,
): { name: string; value: HclValue; range: Range }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    bag.add({
      file,
      line: 1,
      column: 1,
      message: `cannot read the variables file: ${(err as NodeJS.ErrnoException).code ?? err}`,
    });
    return [];
  }
  const whole: Range = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };
  if (path.extname(file) === '.json') {
    try {
      const object = JSON.parse(text) as unknown;
      if (!isMap(object as HclValue)) throw new Error('it must be a JSON object');
      return Object.entries(object as Record<string, HclValue>).map(([name, value]) => ({ name, value, range: whole }));
    } catch (err) {
      bag.add({ file, line: 1, column: 1, message: `invalid JSON in the variables file: ${(err as Error).message}` });
      return [];
    }
  }
  try {
    const body = parseHcl(text);
    for (const block of body.blocks)
      bag.add({
        file,
        line: block.range.start.line,
        column: block.range.start.column,
        message: `a variables file holds only NAME = VALUE lines, not a "${block.type}" block`,
        hint: 'declare variables in the template; set them here',
      });
    return body.attributes.map((a) => ({ name: a.name, value: evaluate(a.expr, ctx), range: a.nameRange }));
  } catch (err) {
    if (err instanceof HclSyntaxError) {
      bag.add({ file, line: err.pos.line, column: err.pos.column, message: err.message, hint: err.hint });
      return [];
    }
    if (err instanceof HclEvalError) {
      bag.add({
        file,
        line: err.range.start.line,
        column: err.range.start.column,
        message: err.message,
        hint: err.hint,
      });
      return [];
    }
    throw err;
  }
}
