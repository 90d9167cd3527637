import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { registry } from '../../../src/registry.js';
import { precompiledSource, templateSchemas } from '../../../src/template/precompile-schema.js';
import { AJV_OPTIONS, precompiledValidator, SCHEMA_FORMATS, schemaKey } from '../../../src/template/schema.js';

// The validators load ajv's runtime helpers from node_modules, as they do from dist/schemas.
const cache = path.resolve(__dirname, '../../../node_modules/.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(path.join(cache, 'boxwright-schemas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schemas = templateSchemas(registry);

const runtime = new Ajv({ ...AJV_OPTIONS, formats: SCHEMA_FORMATS });

/** Inputs that take each option's default, give every option a value of the wrong kind, or name an unknown one. */
function samples(schema: Record<string, unknown>): unknown[] {
  const keys = Object.keys((schema.properties as object | undefined) ?? {});
  const each = (value: unknown) => Object.fromEntries(keys.map((k) => [k, structuredClone(value)]));
  return [{}, each('7'), each({ nested: [1] }), each(['a', 3]), each('1h30m'), { ...each(true), not_an_option: 1 }];
}

function outcome(validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null }, data: unknown) {
  const valid = validate(data);
  const errors = (validate.errors ?? []).map(({ instancePath, keyword, message, params }) => ({
    instancePath,
    keyword,
    message,
    params,
  }));
  return { valid, data, errors };
}

describe('validators made at build time', () => {
  it.each(schemas)('%s: answers as the one compiled by a command', (_name, schema) => {
    writeFileSync(path.join(dir, `${schemaKey(schema)}.cjs`), precompiledSource(schema));
    const built = precompiledValidator(schema, dir);
    expect(built).toBeDefined();
    const compiled = runtime.compile(schema);
    for (const sample of samples(schema))
      expect(outcome(built!, structuredClone(sample))).toEqual(outcome(compiled, structuredClone(sample)));
  });

  it('are not used for a schema edited since the build', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    writeFileSync(path.join(dir, `${schemaKey(schema)}.cjs`), precompiledSource(schema));
    expect(precompiledValidator(schema, dir)).toBeDefined();
    expect(precompiledValidator({ ...schema, required: ['a'] }, dir)).toBeUndefined();
  });
});
