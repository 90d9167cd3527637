import { rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../base/errors.js';
import type { Artifact } from '../../core/artifact.js';
import type { PostProcessor } from '../../core/plugin.js';
import { expandGlob } from '../../util/glob.js';

interface ArtificeConfig {
  files: string[];
}

/**
 * Packer's artifice: the build's artifact becomes the files named (globs allowed), typically
 * ones a provisioner fetched from the machine with the file provisioner's "download".
 */
export const artificePostProcessor: PostProcessor<ArtificeConfig> = {
  kind: 'post-processor',
  type: 'artifice',
  accepts: 'any',
  produces: 'file',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['files'],
    properties: {
      files: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    },
  },
  prepare: (o) => ({ files: o.files as string[] }),
  async process(config, input, ctx) {
    if (input.files.length) ctx.ui.say(`Discarding files from artifact: ${input.files.join(', ')}`);
    const files: string[] = [];
    for (const pattern of config.files) {
      const found = await expandGlob(pattern, ctx.cwd);
      if (!found.length)
        throw new UserError(
          `artifice: "${pattern}" names no file in ${ctx.cwd}`,
          'the files must exist when the post-processor runs: fetch them first, e.g. with the file provisioner\'s "direction": "download"',
        );
      files.push(...found);
    }
    ctx.ui.say(`Using these artifact files: ${files.join(', ')}`);
    const artifact: Artifact = {
      builderId: 'packer.post-processor.artifice',
      kind: 'file',
      id: '',
      files,
      description: `Created artifact from files: ${files.join(', ')}`,
      destroy: async () => {
        for (const f of files) await rm(path.resolve(ctx.cwd, f), { recursive: true, force: true });
      },
    };
    // As in Packer, the build's own artifact is kept unless keep_input_artifact says otherwise.
    return { artifact, keepInput: true };
  },
};
