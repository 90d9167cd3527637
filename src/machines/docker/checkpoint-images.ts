import { connectDocker } from './engine.js';

/**
 * Where docker builds keep their checkpoints: images in the Engine's store, one per
 * provisioner, tagged with the key of the container's state after it.
 */
export const CHECKPOINT_REPOSITORY = 'boxwright-checkpoint';

/** Labels of a checkpoint image, for `boxwright cache ls`. No option value is kept. */
export const CHECKPOINT_LABELS = { after: 'boxwright.checkpoint.after', build: 'boxwright.checkpoint.build' };

export interface CheckpointImage {
  tag: string;
  /** "2 of 3": the provisioner it was kept after. */
  after: string;
  build: string;
  created: Date;
  /** The image's whole size, its base included. */
  bytes: number;
  /** What it adds over the image it was committed from: the disk it takes of its own. */
  ownBytes: number;
}

/** The checkpoint images the daemon holds, newest first. */
export async function checkpointImages(): Promise<CheckpointImage[]> {
  const images = await (await connectDocker()).listImages({ all: true });
  const sizeOf = new Map(images.map((image) => [image.Id, image.Size]));
  return images
    .flatMap((image) =>
      (image.RepoTags ?? [])
        .filter((tag) => tag.startsWith(`${CHECKPOINT_REPOSITORY}:`))
        .map((tag) => ({
          tag,
          after: image.Labels?.[CHECKPOINT_LABELS.after] ?? '?',
          build: image.Labels?.[CHECKPOINT_LABELS.build] ?? '?',
          created: new Date(image.Created * 1000),
          bytes: image.Size,
          ownBytes: Math.max(0, image.Size - (sizeOf.get(image.ParentId) ?? 0)),
        })),
    )
    .sort((a, b) => b.created.getTime() - a.created.getTime());
}

export async function removeCheckpointImage(tag: string): Promise<void> {
  await (await connectDocker()).getImage(tag).remove();
}
