import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { KINDS_WITH_FILES, type Artifact } from '../../core/artifact.js';
import type { PostProcessor } from '../../core/plugin.js';
import { partialNameFor } from '../../util/temp-name.js';

const TYPES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

interface ChecksumConfig {
  types: string[];
  output: string;
}

/** Hashes every file of an artifact into checksum files (streaming, never whole files in memory). */
export const checksumPostProcessor: PostProcessor<ChecksumConfig> = {
  kind: 'post-processor',
  type: 'checksum',
  accepts: KINDS_WITH_FILES,
  produces: 'file',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      checksum_types: { type: 'array', minItems: 1, items: { type: 'string', enum: TYPES }, default: ['md5'] },
      output: {
        type: 'string',
        minLength: 1,
        default: 'packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum',
      },
    },
  },
  lateFields: { output: ['BuildName', 'BuilderType', 'ChecksumType'] },
  prepare: (o) => ({ types: o.checksum_types as string[], output: o.output as string }),
  async process(config, input, ctx) {
    const written: string[] = [];
    for (const type of config.types) {
      const out = ctx.render(config.output, {
        BuildName: ctx.buildName,
        BuilderType: ctx.buildType,
        ChecksumType: type,
      });
      const lines: string[] = [];
      for (const file of input.files) {
        const hash = createHash(type);
        await pipeline(createReadStream(file), hash, { signal: ctx.signal });
        lines.push(`${hash.digest('hex')}\t${path.basename(file)}`);
      }
      await mkdir(path.dirname(path.resolve(out)), { recursive: true });
      const temp = partialNameFor(out);
      await writeFile(temp, `${lines.join('\n')}\n`);
      await rename(temp, out);
      ctx.ui.message(`Wrote ${type} checksums to ${out}`);
      written.push(out);
    }
    const artifact: Artifact = {
      builderId: 'boxwright.post-processor.checksum',
      kind: 'file',
      id: written.join(','),
      files: written,
      description: `Created checksum files: ${written.join(', ')}`,
      destroy: async () => void (await Promise.all(written.map((f) => rm(f, { force: true })))),
    };
    return { artifact, keepInput: true };
  },
};
