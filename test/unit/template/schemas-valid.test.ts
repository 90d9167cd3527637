import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/registry.js';
import { templateSchemas } from '../../../src/template/precompile-schema.js';

// Templates are checked without validating the schemas themselves (it would cost every
// command 50 ms): this is where they are validated, against JSON Schema's meta-schema.
const strict = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
strict.addFormat('duration', () => true);

describe("boxwright's own schemas", () => {
  const schemas = templateSchemas(registry);

  it.each(schemas)('%s: a valid JSON Schema', (_name, schema) => {
    expect(strict.validateSchema(schema), strict.errorsText(strict.errors)).toBe(true);
    expect(() => strict.compile(schema)).not.toThrow();
  });
});
