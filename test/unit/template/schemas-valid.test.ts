import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/registry.js';
import { rootSchema } from '../../../src/template/root-schema.js';

// Templates are checked without validating the schemas themselves (it would cost every
// command 50 ms): this is where they are validated, against JSON Schema's meta-schema.
const strict = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
strict.addFormat('duration', () => true);

describe("boxwright's own schemas", () => {
  const schemas: [string, object][] = [['the template', rootSchema]];
  for (const kind of ['builder', 'provisioner', 'post-processor'] as const)
    for (const type of registry.implemented(kind)) {
      const plugin =
        kind === 'builder'
          ? registry.builder(type)
          : kind === 'provisioner'
            ? registry.provisioner(type)
            : registry.postProcessor(type);
      schemas.push([`${kind} ${type}`, plugin!.schema]);
    }

  it.each(schemas)('%s: a valid JSON Schema', (_name, schema) => {
    expect(strict.validateSchema(schema), strict.errorsText(strict.errors)).toBe(true);
    expect(() => strict.compile(schema)).not.toThrow();
  });
});
