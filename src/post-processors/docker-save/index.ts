import { rm } from 'node:fs/promises';
import path from 'node:path';
import { expectKind, type Artifact } from '../../core/artifact.js';
import type { PostProcessor } from '../../core/plugin.js';
import { CancelledError } from '../../base/errors.js';
import { connectDocker, engineFailure } from '../../machines/docker/engine.js';
import { streamToFile } from '../../util/stream-to-file.js';

interface DockerSaveConfig {
  path: string;
}

/** Writes an image to a tar that `docker load` reads (Packer's docker-save). */
export const dockerSavePostProcessor: PostProcessor<DockerSaveConfig> = {
  kind: 'post-processor',
  type: 'docker-save',
  accepts: ['docker-image'],
  produces: 'file',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: { path: { type: 'string', minLength: 1, description: '"app.tar"' } },
  },
  prepare: (o) => ({ path: o.path as string }),
  async process(config, input, ctx) {
    const docker = await connectDocker();
    // A tagged reference puts its tag in the tar, so `docker load` names the image again.
    const reference = expectKind(input, 'docker-image').image.tags[0] ?? input.id;
    ctx.ui.message(`Saving image ${reference} to ${config.path}`);
    try {
      // The daemon may write the whole tar before it sends a byte (19 s for 1.9 GB): the request
      // itself is cancelled, not only the stream that follows it. dockerode's get() takes no signal.
      const tar = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
        docker.modem.dial(
          {
            path: `/images/${reference}/get`,
            method: 'GET',
            isStream: true,
            statusCodes: { 200: true, 500: 'server error' },
            abortSignal: ctx.signal,
          },
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
        ),
      );
      await streamToFile(tar, config.path, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
      throw engineFailure(`could not save ${reference} to ${config.path}`, err);
    }
    const artifact: Artifact = {
      builderId: 'boxwright.post-processor.docker-save',
      kind: 'file',
      id: config.path,
      files: [config.path],
      description: `Saved Docker image ${reference} to ${config.path} (load it with: docker load -i ${config.path})`,
      destroy: () => rm(path.resolve(config.path), { force: true }),
    };
    return { artifact, keepInput: true };
  },
};
