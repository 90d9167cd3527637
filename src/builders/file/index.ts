import { copyFile, mkdir, rm, stat, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Artifact } from '../../core/artifact.js';
import type { Builder } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { partialNameFor } from '../../util/temp-name.js';

interface FileConfig {
  target: string;
  source: string | undefined;
  content: string | undefined;
}

interface FileState {
  partial?: string;
}

/** Packer's file builder: writes `content` or copies `source` to `target`. Handy for testing post-processors. */
export const fileBuilder: Builder<FileConfig> = {
  kind: 'builder',
  type: 'file',
  produces: 'file',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['target'],
    properties: {
      target: { type: 'string', minLength: 1, description: '"output/hello.txt"' },
      source: { type: 'string', minLength: 1 },
      content: { type: 'string' },
    },
  },
  prepare(o, ctx) {
    // As in Packer, neither (or an empty "content") makes an empty file, with a warning.
    if (o.source === undefined && o.content === undefined)
      ctx.problems.warn(
        [],
        'neither "source" nor "content" is set; the target will be an empty file',
        'for example "content": "hello"',
      );
    if (o.source !== undefined && o.content !== undefined)
      ctx.problems.error(['content'], '"source" and "content" cannot be used together', 'keep one of them');
    if (typeof o.source === 'string' && !existsSync(o.source))
      ctx.problems.error(
        ['source'],
        `"${o.source}" does not exist`,
        'paths are relative to the directory boxwright runs in',
      );
    return {
      target: o.target as string,
      source: o.source as string | undefined,
      content: o.source === undefined ? ((o.content as string | undefined) ?? '') : undefined,
    };
  },
  communicator: () => 'none',
  outputs: (config) => [config.target],
  async run(config, ctx) {
    const write: Step<FileState> = {
      name: 'write-file',
      async run(state) {
        await mkdir(path.dirname(path.resolve(config.target)), { recursive: true });
        // Written under a temporary name, so an interrupted build never leaves a finished-looking file.
        state.partial = partialNameFor(config.target);
        if (config.source !== undefined) {
          ctx.ui.say(`Copying ${config.source} to ${config.target}`);
          await copyFile(config.source, state.partial);
        } else {
          ctx.ui.say(`Writing content to ${config.target}`);
          await writeFile(state.partial, config.content ?? '');
        }
        await rename(state.partial, config.target);
        state.partial = undefined;
      },
      async cleanup(state) {
        if (state.partial) await rm(state.partial, { force: true });
      },
      leftover: (state) => (state.partial ? `partial file ${state.partial}` : undefined),
    };
    await ctx.runSteps([write], {});
    const size = (await stat(config.target)).size;
    return fileArtifact(config.target, `Stored file: ${config.target} (${size} bytes)`);
  },
};

/** An artifact made of one file on disk. */
export function fileArtifact(file: string, description: string, builderId = 'boxwright.file'): Artifact {
  return {
    builderId,
    kind: 'file',
    id: file,
    files: [file],
    description,
    destroy: () => rm(file, { force: true }),
  };
}
