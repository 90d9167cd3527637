import { createReadStream } from 'node:fs';
import type { PostProcessor } from '../../core/plugin.js';
import { imageArtifact } from '../../machines/docker/image.js';
import { checkChanges } from '../../machines/docker/changes.js';
import { connectDocker, engineFailure, followProgress } from '../../machines/docker/engine.js';

interface DockerImportConfig {
  repository: string;
  tag: string;
  changes: string[];
  message: string | undefined;
  platform: string | undefined;
}

/** Makes an image from the tar a docker build exported (Packer's docker-import, `docker import`). */
export const dockerImportPostProcessor: PostProcessor<DockerImportConfig> = {
  kind: 'post-processor',
  type: 'docker-import',
  accepts: ['docker-tar'],
  produces: 'docker-image',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['repository'],
    properties: {
      repository: { type: 'string', minLength: 1 },
      tag: { type: 'string', minLength: 1, default: 'latest' },
      changes: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
      message: { type: 'string' },
      platform: { type: 'string', minLength: 1 },
    },
  },
  prepare(o, ctx) {
    checkChanges(o.changes as string[], ctx.problems, 'docker import');
    return {
      repository: o.repository as string,
      tag: o.tag as string,
      changes: o.changes as string[],
      message: o.message as string | undefined,
      platform: o.platform as string | undefined,
    };
  },
  async process(config, input, ctx) {
    const docker = await connectDocker();
    const file = input.files[0]!;
    const reference = `${config.repository}:${config.tag}`;
    ctx.ui.message(`Importing ${file} as ${reference}`);
    let imageId: string | undefined;
    try {
      const stream = await docker.importImage(
        createReadStream(file) as unknown as string,
        {
          repo: config.repository,
          tag: config.tag,
          changes: config.changes,
          message: config.message,
          platform: config.platform,
          abortSignal: ctx.signal,
        } as object,
      );
      const messages = await followProgress(docker, stream, undefined, ctx.signal);
      imageId = messages.map((m) => m.status).find((s) => s?.startsWith('sha256:'));
    } catch (err) {
      throw engineFailure(`could not import ${file}`, err);
    }
    ctx.ui.message(`Imported image: ${imageId ?? reference}`);
    // Packer removes the exported tar unless keep_input_artifact says otherwise; so do we.
    return {
      artifact: imageArtifact(
        { id: reference, imageId: imageId ?? reference, tags: [reference] },
        `Imported Docker image: ${reference}`,
        'boxwright.post-processor.docker-import',
      ),
      keepInput: false,
    };
  },
};
