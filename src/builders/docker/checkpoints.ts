import type { BuildContext, ProvisionCheckpoints, RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { CancelledError } from '../../base/errors.js';
import { engineFailure, engineMessage, isNotFound } from '../../machines/docker/engine.js';
import {
  CHECKPOINT_LABELS,
  CHECKPOINT_REPOSITORY,
  checkpointImages,
  removeCheckpointImage,
} from '../../machines/docker/checkpoint-images.js';
import { pruneBeyondCap } from '../../core/checkpoint-cap.js';
import type { DockerConfig } from './config.js';
import type { DockerState } from './steps.js';

/**
 * Finds the longest run of provisioners an earlier build already went through: the last
 * key with a checkpoint image. The key starts from the base image's id and the options
 * that shape the container; what only decides the output (commit, changes, export) is left
 * out, so changing it resumes as before.
 */
export function stepFindCheckpoint(config: DockerConfig, build: BuildContext): Step<DockerState> {
  return {
    name: 'docker-checkpoint',
    async run(state, ctx) {
      if (!config.checkpoints) return;
      const keys = await build.checkpointKeys({
        builder: 'docker',
        image: state.baseImageId,
        runCommand: config.runCommand,
        base: config.base,
        containerDir: config.containerDir,
        execUser: config.execUser,
        fixUploadOwner: config.fixUploadOwner,
        communicator: config.communicator,
      });
      if (!keys) return;
      state.checkpointKeys = keys;
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index];
        if (!key) continue;
        const image = `${CHECKPOINT_REPOSITORY}:${key}`;
        const info = await state
          .docker!.getImage(image)
          .inspect()
          .catch((err: unknown) => {
            if (isNotFound(err)) return undefined;
            throw engineFailure(`could not look for the checkpoint ${image}`, err);
          });
        if (!info) continue;
        ctx.log(`docker: checkpoint ${image} matches the state after provisioner ${index + 1}`);
        state.resume = { index, image, savedAt: info.Created ? new Date(info.Created) : undefined };
        return;
      }
    },
  };
}

/** What the provision step is given: where to resume, and how to keep the container's state. */
export function dockerCheckpoints(
  state: DockerState,
  ctx: RunContext,
  maxBytes: number,
): ProvisionCheckpoints | undefined {
  const keys = state.checkpointKeys;
  if (!keys) return undefined;
  return {
    keys,
    // An image keeps the container's whole file system, /tmp included: nothing needs replaying.
    resumeAfter: state.resume && { index: state.resume.index, savedAt: state.resume.savedAt, replay: [] },
    async save(index, key) {
      const last = index === keys.length - 1;
      const saving = commitCheckpoint(state, ctx, index, key, keys, maxBytes, last);
      // Nothing runs in the container after the last provisioner but the fingerprint, which
      // only reads: its commit goes on alongside, and the output step waits for it.
      if (last) state.savingLastCheckpoint = saving;
      else await saving;
    },
  };
}

async function commitCheckpoint(
  state: DockerState,
  ctx: RunContext,
  index: number,
  key: string,
  keys: (string | undefined)[],
  maxBytes: number,
  last: boolean,
): Promise<void> {
  const container = state.docker!.getContainer(state.containerId!);
  try {
    await container.commit({
      _query: {
        container: container.id,
        repo: CHECKPOINT_REPOSITORY,
        tag: key,
        comment: `boxwright checkpoint after provisioner ${index + 1} of ${keys.length}`,
        changes: [
          `LABEL ${CHECKPOINT_LABELS.after}="${index + 1} of ${keys.length}"`,
          `LABEL ${CHECKPOINT_LABELS.build}="${ctx.buildName}"`,
        ],
        // A paused container refuses new commands; the fingerprint still has to run in it.
        pause: !last,
      },
    } as unknown as object);
  } catch (err) {
    if (ctx.signal.aborted) {
      if (last) return;
      throw new CancelledError('Build was cancelled.');
    }
    // A checkpoint only saves time later; the build itself goes on without it.
    ctx.ui.error(`Warning: could not keep a checkpoint after provisioner ${index + 1}: ${engineMessage(err)}`);
    return;
  }
  ctx.ui.message(`Kept a checkpoint after provisioner ${index + 1} of ${keys.length}`);
  await keepUnderCap(keys, maxBytes, ctx);
}

/** Waits for the last checkpoint's commit, begun while the build went on. */
export async function lastCheckpointSaved(state: DockerState): Promise<void> {
  const saving = state.savingLastCheckpoint;
  state.savingLastCheckpoint = undefined;
  await saving;
}

/** Removes the oldest checkpoint images beyond the cap; this build's own stay. */
async function keepUnderCap(keys: (string | undefined)[], maxBytes: number, ctx: RunContext): Promise<void> {
  const ours = new Set(keys.flatMap((key) => (key ? [`${CHECKPOINT_REPOSITORY}:${key}`] : [])));
  const images = async () =>
    (await checkpointImages()).map((image) => ({ ...image, id: image.tag, name: image.tag, bytes: image.ownBytes }));
  const remove = async (image: { id: string }) => {
    await removeCheckpointImage(image.id);
    return [image.id];
  };
  await pruneBeyondCap(images, maxBytes, ours, remove, ctx.ui, engineMessage);
}
