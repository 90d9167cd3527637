import { rm } from 'node:fs/promises';
import path from 'node:path';
import { stepProvision } from '../../core/common-steps.js';
import type { Builder } from '../../core/plugin.js';
import { DOCKER_BUILDER_ID, imageArtifact } from '../../machines/docker/image.js';
import { dockerCheckpoints, stepFindCheckpoint } from './checkpoints.js';
import { dockerSchema, prepareDocker, type DockerConfig } from './config.js';
import { stepConnect, stepEngine, stepOutput, stepPull, stepRun, type DockerState } from './steps.js';

/** Packer's docker builder, on the Engine API (dockerode) instead of the docker CLI. */
export const dockerBuilder: Builder<DockerConfig> = {
  kind: 'builder',
  type: 'docker',
  produces: (config) =>
    config.output.kind === 'commit' ? 'docker-image' : config.output.kind === 'export' ? 'docker-tar' : 'none',
  schema: dockerSchema,
  secretOptions: ['login_password'],
  lateFields: { run_command: ['Image'] },
  prepare: prepareDocker,
  communicator: (config) => config.communicator,
  outputs: (config) => (config.output.kind === 'export' ? [config.output.path] : []),
  async run(config, ctx) {
    const state: DockerState = {};
    await ctx.runSteps(
      [
        stepEngine(),
        stepPull(config),
        stepFindCheckpoint(config, ctx),
        stepRun(config),
        stepConnect(config),
        stepProvision<DockerState>(
          ctx,
          (state) => state.containerId,
          (state) => dockerCheckpoints(state, ctx, ctx.checkpointCache.maxBytes),
        ),
        stepOutput(config),
      ],
      state,
    );
    const output = config.output;
    if (output.kind === 'commit')
      return imageArtifact({ id: state.imageId! }, `Imported Docker image: ${state.imageId}`);
    if (output.kind === 'export') {
      return {
        builderId: DOCKER_BUILDER_ID,
        kind: 'docker-tar',
        id: output.path,
        files: [output.path],
        description: `Exported Docker file: ${output.path}`,
        destroy: () => rm(path.resolve(output.path), { force: true }),
      };
    }
    return {
      builderId: DOCKER_BUILDER_ID,
      kind: 'none',
      id: '',
      files: [],
      description: 'The container was discarded; nothing was kept.',
      destroy: async () => {},
    };
  },
};
