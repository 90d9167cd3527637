import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseGoDuration } from '../base/duration.js';
import type { ConfigPath } from '../core/plugin.js';
import { closest } from './diagnostics.js';

const requireHere = createRequire(import.meta.url);

/** One schema problem, relative to the object that was checked. */
export interface SchemaProblem {
  path: ConfigPath;
  /** 'key' points at a property name (unknown option), 'value' at its value. */
  at: 'key' | 'value';
  message: string;
  hint?: string;
}

/**
 * The options every validator is made with, at build time (scripts/precompile-schemas.mjs)
 * or here. coerceTypes mirrors Packer's weak decoding: "2" is a fine number once {{user}}
 * is rendered. The schemas are boxwright's own, validated against the meta-schema by
 * test/unit/template/schemas-valid.test.ts, so commands do not check them again.
 */
export const AJV_OPTIONS = {
  allErrors: true,
  coerceTypes: true,
  useDefaults: true,
  strict: false,
  verbose: true,
  validateSchema: false,
} as const;

/** The formats boxwright's schemas use beyond JSON Schema's. */
export const SCHEMA_FORMATS = {
  duration: { type: 'string' as const, validate: (s: string) => parseGoDuration(s) !== undefined },
};

/** Where `npm run build` leaves the validators it made; beside dist/template and dist/bundle alike. */
const PRECOMPILED_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));

let runtimeAjv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * The validator of `schema`: made at build time when one with the same key is there (making
 * them here costs a command about 25 ms), else compiled now. A key is the schema's content,
 * so a schema edited since the build is compiled here rather than checked by a stale validator.
 */
function validatorOf(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema) ?? precompiledValidator(schema);
  if (!validate) {
    // Unoptimized code compiles faster than it saves on a handful of checks.
    runtimeAjv ??= new Ajv({ ...AJV_OPTIONS, code: { optimize: false }, formats: SCHEMA_FORMATS });
    validate = runtimeAjv.compile(schema);
  }
  compiled.set(schema, validate);
  return validate;
}

/** The build-time validator of `schema` in `dir`, if there is one. */
export function precompiledValidator(schema: object, dir = PRECOMPILED_DIR): ValidateFunction | undefined {
  const file = join(dir, `${schemaKey(schema)}.cjs`);
  if (!existsSync(file)) return undefined;
  const make = requireHere(file) as (formats: typeof SCHEMA_FORMATS) => ValidateFunction;
  return make(SCHEMA_FORMATS);
}

/** A schema's name among the precompiled validators: a digest of its content and the options. */
export function schemaKey(schema: object): string {
  return createHash('sha256')
    .update(JSON.stringify([AJV_OPTIONS, schema]))
    .digest('hex')
    .slice(0, 32);
}

/** Checks `data` against `schema`, applying defaults in place; returns every problem. */
export function checkSchema(schema: Record<string, unknown>, data: unknown): SchemaProblem[] {
  const validate = validatorOf(schema);
  const unbounded = nonFiniteNumbers(data, []);
  if (validate(data)) return unbounded;
  return dedupe([...unbounded, ...(validate.errors ?? []).filter((e) => e.keyword !== 'if').map(explain)]);
}

/** JSON's 1e999 parses as Infinity, which JSON Schema's "integer" lets through; nothing takes it. */
function nonFiniteNumbers(value: unknown, path: ConfigPath): SchemaProblem[] {
  if (typeof value === 'number' && !Number.isFinite(value))
    return [
      { path, at: 'value', message: `${value} is not a number any platform takes`, hint: 'write the number itself' },
    ];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, [...path, k]));
  return [];
}

function dedupe(problems: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join('/')}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toPath(instancePath: string): ConfigPath {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `the ${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list ([...])',
  object: 'an object ({...})',
  null: 'null',
};

function typeHint(expected: string[]): string | undefined {
  if (expected.includes('array')) return 'write a JSON list, for example ["a", "b"]';
  if (expected.includes('integer') || expected.includes('number'))
    return 'write a number such as 2, or a string that renders to one, such as "{{user `cpus`}}"';
  if (expected.includes('boolean')) return 'write true or false without quotes';
  if (expected.includes('object')) return 'write a JSON object, for example {"key": "value"}';
  return undefined;
}

function explain(e: ErrorObject): SchemaProblem {
  const path = toPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const near = closest(key, known);
      return {
        path: [...path, key],
        at: 'key',
        message: `unknown option "${key}"`,
        hint: near
          ? `did you mean "${near}"?`
          : known.length
            ? `known options here: ${known.sort().join(', ')}`
            : 'remove it',
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      const doc = findDescription(e.parentSchema, key);
      return {
        path,
        at: 'value',
        message: `missing required option "${key}"`,
        hint: doc ? `add "${key}": ${doc}` : `add "${key}"`,
      };
    }
    case 'type': {
      const expected = String(params.type).split(',');
      return {
        path,
        at: 'value',
        message: `must be ${expected.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}, not ${describeValue(e.data)}`,
        hint: typeHint(expected),
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const near = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return {
        path,
        at: 'value',
        message: `${describeValue(e.data)} is not allowed here`,
        hint: near ? `did you mean "${near}"?` : `use one of: ${allowed.join(', ')}`,
      };
    }
    case 'const':
      return {
        path,
        at: 'value',
        message: `must be ${JSON.stringify(params.allowedValue)}, not ${describeValue(e.data)}`,
      };
    case 'format':
      if (params.format === 'duration')
        return {
          path,
          at: 'value',
          message: `${describeValue(e.data)} is not a duration`,
          hint: 'write a Go duration such as "30s", "5m" or "1h30m"',
        };
      return { path, at: 'value', message: `${describeValue(e.data)} is not a valid ${String(params.format)}` };
    case 'minItems':
      return { path, at: 'value', message: `needs at least ${String(params.limit)} item(s)` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return {
        path,
        at: 'value',
        message: `must be ${String(params.comparison)} ${String(params.limit)}, not ${String(e.data)}`,
      };
    case 'minLength':
      return { path, at: 'value', message: 'must not be empty' };
    case 'pattern':
      return {
        path,
        at: 'value',
        message: `${describeValue(e.data)} does not have the expected form`,
        hint: (e.parentSchema as { description?: string })?.description,
      };
    default:
      return { path, at: 'value', message: e.message ?? 'is not valid' };
  }
}

function findDescription(parentSchema: unknown, key: string): string | undefined {
  const prop = (parentSchema as { properties?: Record<string, { description?: string }> })?.properties?.[key];
  return prop?.description;
}
