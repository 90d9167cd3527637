// Makes the validator of every schema a template is checked against, once, at build time:
// compiling them when a command starts costs it about 25 ms. Each is a CommonJS file in
// dist/schemas named by the schema's key; src/template/schema.ts looks them up and compiles
// a schema itself when its file is missing or named for other content.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file) => import(path.join(root, 'dist', file));
const { schemaKey } = await dist('template/schema.js');
const { precompiledSource, templateSchemas } = await dist('template/precompile-schema.js');
const { registry } = await dist('registry.js');

const outdir = path.join(root, 'dist/schemas');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
for (const [, schema] of templateSchemas(registry))
  writeFileSync(path.join(outdir, `${schemaKey(schema)}.cjs`), precompiledSource(schema));
