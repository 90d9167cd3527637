import type { Artifact } from '../../core/artifact.js';
import { connectDocker, engineFailure, isNotFound } from './engine.js';

/** Packer's BuilderId for what the docker builder makes. */
export const DOCKER_BUILDER_ID = 'boxwright.docker';

/** An image in the engine; destroying it removes the image (Packer's docker artifact). */
export function imageArtifact(imageId: string, description: string, builderId = DOCKER_BUILDER_ID, properties?: Record<string, string>): Artifact {
  return {
    builderId,
    kind: 'docker-image',
    id: imageId,
    files: [],
    description,
    properties,
    async destroy() {
      try {
        await connectDocker().getImage(imageId).remove();
      } catch (err) {
        if (!isNotFound(err)) throw engineFailure(`could not remove image ${imageId}`, err);
      }
    },
  };
}
