import { UserError } from '../../base/errors.js';
import type { PostProcessor } from '../../core/plugin.js';
import {
  connectDocker,
  engineFailure,
  followProgress,
  loginSchemaProperties,
  prepareLogin,
  registryOf,
  splitReference,
  storedAuth,
  type RegistryAuth,
} from '../../machines/docker/engine.js';
import { expectKind } from '../../core/artifact.js';

interface DockerPushConfig {
  login: RegistryAuth | undefined;
  loginServer: string | undefined;
}

/** Pushes the tags docker-tag or docker-import made to their registry (Packer's docker-push). */
export const dockerPushPostProcessor: PostProcessor<DockerPushConfig> = {
  kind: 'post-processor',
  type: 'docker-push',
  accepts: ['docker-image'],
  produces: 'input',
  secretOptions: ['login_password'],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...loginSchemaProperties,
      ecr_login: {},
      aws_access_key: {},
      aws_secret_key: {},
      aws_token: {},
      aws_profile: {},
    },
  },
  prepare(o, ctx) {
    for (const key of ['ecr_login', 'aws_access_key', 'aws_secret_key', 'aws_token', 'aws_profile']) {
      if (o[key] !== undefined)
        ctx.problems.error(
          [key],
          `"${key}" is not supported by boxwright's docker-push yet`,
          'log in with "login_username"/"login_password" (aws ecr get-login-password prints the password)',
        );
    }
    // The server is known only once the tag is: it defaults to the pushed repository's registry.
    return {
      login: prepareLogin(o, ctx.problems, () => ''),
      loginServer: (o.login_server as string | undefined) || undefined,
    };
  },
  async process(config, input, ctx) {
    const references = expectKind(input, 'docker-image').image.tags;
    if (!references.length) {
      throw new UserError(
        `docker-push got image ${input.id}, which has no repository to push to`,
        'put a docker-tag post-processor before docker-push in the same chain: [{"type": "docker-tag", "repository": "registry.example.com/app", "tags": ["1.0"]}, {"type": "docker-push"}]',
      );
    }
    const docker = await connectDocker();
    for (const reference of references) {
      const { repository, tag } = splitReference(reference);
      const server = registryOf(repository);
      const auth = config.login
        ? { ...config.login, serveraddress: config.loginServer ?? server }
        : await storedAuth(server);
      ctx.ui.message(`Pushing ${reference}${auth ? ` as ${auth.username}` : ''}`);
      try {
        const stream = await docker
          .getImage(repository)
          .push({ tag, authconfig: auth ?? {}, abortSignal: ctx.signal } as object);
        await followProgress(
          docker,
          stream as NodeJS.ReadableStream,
          (m) => m.status && m.aux?.Digest === undefined && !m.id && ctx.ui.message(m.status),
          ctx.signal,
        );
      } catch (err) {
        throw engineFailure(
          `could not push ${reference}`,
          err,
          auth
            ? 'check the login options and that the registry accepts pushes'
            : 'log in: set "login": true with "login_username" and "login_password", or run docker login first',
        );
      }
      ctx.ui.message(`Pushed ${reference}`);
    }
    // The pushed image stays in the engine too; nothing new was made locally.
    return { artifact: input, keepInput: true, forceKeep: true };
  },
};
