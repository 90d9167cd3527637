import type { DockerImageArtifact } from '../../core/artifact.js';
import { connectDocker, engineFailure, isNotFound } from './engine.js';

/** Packer's BuilderId for what the docker builder makes. */
export const DOCKER_BUILDER_ID = 'boxwright.docker';

/**
 * An image in the engine; destroying it removes the image (Packer's docker artifact).
 * `id` is Packer's artifact id (the first reference, else the image id); `tags` are the references given to it.
 */
export function imageArtifact(
  image: { id: string; imageId?: string; tags?: string[] },
  description: string,
  builderId = DOCKER_BUILDER_ID,
): DockerImageArtifact {
  const imageId = image.imageId ?? image.id;
  return {
    builderId,
    kind: 'docker-image',
    id: image.id,
    files: [],
    description,
    image: { id: imageId, tags: image.tags ?? [] },
    destroy: () => removeImage(image.id),
  };
}

/** Removes an image from the engine; one already gone is not an error. */
export async function removeImage(id: string, options: { force?: boolean } = {}): Promise<void> {
  try {
    await (await connectDocker()).getImage(id).remove(options);
  } catch (err) {
    if (!isNotFound(err)) throw engineFailure(`could not remove image ${id}`, err);
  }
}
