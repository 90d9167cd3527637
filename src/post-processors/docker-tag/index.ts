import { UserError } from '../../base/errors.js';
import type { PostProcessor } from '../../core/plugin.js';
import { imageArtifact } from '../../machines/docker/image.js';
import { connectDocker, engineFailure } from '../../machines/docker/engine.js';
import { expectKind } from '../../core/artifact.js';

interface DockerTagConfig {
  repository: string;
  tags: string[];
  force: boolean;
}

/** Names an image in the engine: repository:tag for each tag (Packer's docker-tag). */
export const dockerTagPostProcessor: PostProcessor<DockerTagConfig> = {
  kind: 'post-processor',
  type: 'docker-tag',
  accepts: ['docker-image'],
  produces: 'docker-image',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['repository'],
    properties: {
      repository: { type: 'string', minLength: 1, description: '"registry.example.com/team/app"' },
      tag: { type: ['string', 'array'], items: { type: 'string', minLength: 1 } },
      tags: { type: 'array', items: { type: 'string', minLength: 1 } },
      force: { type: 'boolean', default: false },
    },
  },
  prepare(o, ctx) {
    const repository = o.repository as string;
    if (/[A-Z]/.test(repository))
      ctx.problems.error(
        ['repository'],
        `"${repository}": a repository name must be lowercase`,
        'Docker refuses uppercase letters in repository names',
      );
    if (repository.split('/').pop()!.includes(':'))
      ctx.problems.error(
        ['repository'],
        `"${repository}" includes a tag`,
        'put the tag in "tags": ["1.0"] and keep only the repository here',
      );
    if (o.tag !== undefined && o.tags !== undefined)
      ctx.problems.error(['tags'], '"tag" and "tags" cannot be used together', 'keep "tags"');
    const raw = o.tags ?? o.tag;
    const tags = raw === undefined ? ['latest'] : Array.isArray(raw) ? (raw as string[]) : [raw as string];
    tags.forEach((t, i) => {
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(t))
        ctx.problems.error(
          [o.tags !== undefined ? 'tags' : 'tag', ...(Array.isArray(raw) ? [i] : [])],
          `"${t}" is not a valid tag`,
          'a tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"',
        );
    });
    return { repository, tags, force: o.force as boolean };
  },
  async process(config, input, ctx) {
    const docker = await connectDocker();
    const imageId = expectKind(input, 'docker-image').image.id;
    const image = docker.getImage(imageId);
    const references: string[] = [];
    for (const tag of config.tags) {
      const reference = `${config.repository}:${tag}`;
      ctx.ui.message(`Tagging image ${input.id} as ${reference}`);
      try {
        // The Engine API always moves an existing tag, which is what "force" asked of old daemons.
        await image.tag({ repo: config.repository, tag });
      } catch (err) {
        throw engineFailure(`could not tag ${input.id} as ${reference}`, err);
      }
      references.push(reference);
    }
    if (!references.length) throw new UserError('docker-tag has no tags to apply');
    // Removing the tagged image would make the tag pointless, so the input is always kept (as Packer does).
    return {
      artifact: imageArtifact(
        { id: references[0]!, imageId, tags: references },
        `Tagged Docker image: ${references.join(', ')}`,
        'boxwright.post-processor.docker-tag',
      ),
      keepInput: true,
      forceKeep: true,
    };
  },
};
