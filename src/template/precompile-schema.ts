import { Ajv, _ } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import type { PluginRegistry } from './registry.js';
import { postProcessorBlockSchema, rootSchema } from './root-schema.js';
import { AJV_OPTIONS, SCHEMA_FORMATS } from './schema.js';

/**
 * The source of `schema`'s validator as a CommonJS module, made with the options commands
 * use. The module exports a function that takes the formats and returns the validator;
 * scripts/precompile-schemas.mjs writes one per schema at build time.
 */
export function precompiledSource(schema: object): string {
  const ajv = new Ajv({ ...AJV_OPTIONS, formats: SCHEMA_FORMATS, code: { source: true, formats: _`schemaFormats` } });
  const code = standaloneCode.default(ajv, ajv.compile(schema));
  return `module.exports = function (schemaFormats) {\nconst module = { exports: {} };\n${code}\nreturn module.exports;\n};\n`;
}

/** Every schema a template is checked against, each with a name: what the build precompiles. */
export function templateSchemas(registry: PluginRegistry): [string, Record<string, unknown>][] {
  const schemas: [string, Record<string, unknown>][] = [
    ['the template', rootSchema],
    ['a post-processor block', postProcessorBlockSchema],
  ];
  for (const kind of ['builder', 'provisioner', 'post-processor'] as const)
    for (const type of registry.implemented(kind)) {
      const plugin =
        kind === 'builder'
          ? registry.builder(type)
          : kind === 'provisioner'
            ? registry.provisioner(type)
            : registry.postProcessor(type);
      schemas.push([`${kind} ${type}`, plugin!.schema as Record<string, unknown>]);
    }
  return schemas;
}
