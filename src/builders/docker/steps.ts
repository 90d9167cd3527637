import path from 'node:path';
import type Docker from 'dockerode';
import { DockerCommunicator } from '../../communicators/docker/communicator.js';
import { noneCommunicator } from '../../communicators/none.js';
import type { ConnectedState } from '../../core/common-steps.js';
import { CancelledError, UserError } from '../../base/errors.js';
import type { RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import {
  connectDocker,
  dockerHost,
  engineFailure,
  engineMessage,
  followProgress,
  isNotFound,
  pingDocker,
} from '../../machines/docker/engine.js';
import { removeImage } from '../../machines/docker/image.js';
import { runMark } from '../../util/run-mark.js';
import { streamToFile } from '../../util/stream-to-file.js';
import type { DockerConfig } from './config.js';
import { lastCheckpointSaved } from './checkpoints.js';
import { parseRunCommand, type RunSpec } from './run-command.js';

/** What the docker builder's steps hand each other. */
export interface DockerState extends ConnectedState {
  docker?: Docker;
  /** The base image's configuration, which the committed image starts from. */
  imageConfig?: Record<string, unknown>;
  containerId?: string;
  /** The user the container runs as, from its configuration ('' for the image's default, root). */
  containerUser?: string;
  imageId?: string;
  /** The base image's id, which checkpoint keys start from. */
  baseImageId?: string;
  /** The checkpoint to start from, when an earlier build left one that matches. */
  resume?: { index: number; image: string; savedAt: Date | undefined };
  /** Checkpoint keys after each provisioner, when checkpoints are on. */
  checkpointKeys?: (string | undefined)[];
  /** The commit of the checkpoint after the last provisioner, which runs alongside what follows. */
  savingLastCheckpoint?: Promise<void>;
}

export function stepEngine(): Step<DockerState> {
  return {
    name: 'docker-engine',
    async run(state, ctx) {
      const docker = await connectDocker();
      await pingDocker(docker);
      ctx.log(`docker: using the daemon at ${dockerHost()}`);
      state.docker = docker;
    },
  };
}

/** Pulls the image; offline, a local copy is used with a warning so laptops build without a registry. */
export function stepPull(config: DockerConfig): Step<DockerState> {
  return {
    name: 'docker-pull',
    async run(state, ctx) {
      const docker = state.docker!;
      if (config.login) {
        ctx.ui.say(`Logging in to ${config.login.serveraddress} as ${config.login.username}...`);
        try {
          await docker.checkAuth(config.login);
        } catch (err) {
          throw engineFailure(
            `could not log in to ${config.login.serveraddress}`,
            err,
            'check login_username, login_password and login_server',
          );
        }
      }
      if (config.pull) {
        ctx.ui.say(`Pulling Docker image: ${config.image}`);
        try {
          const stream = await docker.pull(config.image, {
            platform: config.base.platform,
            authconfig: config.login,
            abortSignal: ctx.signal,
          });
          await followProgress(docker, stream, (m) => m.status && !m.id && ctx.ui.message(m.status), ctx.signal);
        } catch (err) {
          if (err instanceof CancelledError || ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
          const local = await docker
            .getImage(config.image)
            .inspect()
            .catch(() => undefined);
          if (!local)
            throw engineFailure(
              `could not pull ${config.image}, and there is no local copy`,
              err,
              'check the image name and your network; offline, make the image locally (docker import or docker load) and set "pull": false',
            );
          ctx.ui.error(`Warning: could not pull ${config.image} (${engineMessage(err)}); using the local copy.`);
        }
      }
      try {
        const info = await docker.getImage(config.image).inspect();
        state.imageConfig = (info.Config ?? {}) as unknown as Record<string, unknown>;
        state.baseImageId = info.Id;
      } catch (err) {
        throw engineFailure(
          `image ${config.image} is not available`,
          err,
          isNotFound(err)
            ? 'set "pull": true, or make it locally first (docker pull, docker import or docker load)'
            : undefined,
        );
      }
    },
  };
}

/** The Engine API's container definition for a parsed run_command. */
export function containerDefinition(spec: RunSpec): Docker.ContainerCreateOptions {
  return {
    Image: spec.image,
    Cmd: spec.cmd.length ? spec.cmd : undefined,
    Entrypoint: spec.entrypoint,
    Tty: spec.tty,
    OpenStdin: spec.openStdin,
    AttachStdin: false,
    Env: spec.env,
    User: spec.user,
    WorkingDir: spec.workingDir,
    Hostname: spec.hostname,
    Labels: spec.labels,
    HostConfig: {
      Binds: spec.binds,
      Tmpfs: spec.tmpfs,
      Devices: spec.devices,
      CapAdd: spec.capAdd,
      CapDrop: spec.capDrop,
      Privileged: spec.privileged,
      NetworkMode: spec.networkMode,
      Runtime: spec.runtime,
      Init: spec.init || undefined,
      SecurityOpt: spec.securityOpt,
      ExtraHosts: spec.extraHosts,
      Memory: spec.memoryBytes,
      ShmSize: spec.shmSizeBytes,
    },
  };
}

export function stepRun(config: DockerConfig): Step<DockerState> {
  return {
    name: 'docker-run',
    async run(state, ctx) {
      const docker = state.docker!;
      const image = state.resume?.image ?? config.image;
      const args = config.runCommand.map((a) => ctx.render(a, { Image: image }));
      const parsed = parseRunCommand(args, structuredClone(config.base));
      if ('error' in parsed) throw new UserError(`run_command: ${parsed.error.message}`, parsed.error.hint);
      const spec = parsed.spec;
      // Packer mounts a host folder at container_dir; an empty tmpfs gives provisioners the
      // same scratch folder, which no commit takes in, without a command run to make it.
      if (config.containerDir && !mountsAt(spec, config.containerDir)) spec.tmpfs[config.containerDir] = '';
      const body = containerDefinition(spec);
      // A readable name tells users whose container this is, and its run mark lets `boxwright cleanup` find it
      // after a SIGKILL (labels would be copied into the committed image).
      const name =
        spec.name ?? `${runMark()}-${ctx.buildName.replace(/[^a-zA-Z0-9_.-]/g, '-')}-${ctx.runUuid.slice(0, 8)}`;
      ctx.ui.say('Starting docker container...');
      let container: Docker.Container;
      try {
        container = await docker.createContainer({
          _query: { name, platform: spec.platform },
          _body: body,
        } as unknown as Docker.ContainerCreateOptions);
      } catch (err) {
        throw engineFailure('could not create the container', err);
      }
      state.containerId = container.id;
      ctx.ui.message(`Container ID: ${container.id}`);
      try {
        await container.start();
      } catch (err) {
        throw engineFailure(
          'could not start the container',
          err,
          "check run_command: its entrypoint must keep running (Packer's default runs /bin/sh waiting on stdin)",
        );
      }
      const info = await container.inspect();
      if (!info.State.Running)
        throw new UserError(
          `the container stopped right after it started (exit code ${info.State.ExitCode})`,
          'run_command must start something that keeps running, such as "--entrypoint=/bin/sh" with "-i"',
        );
      state.containerUser = info.Config.User ?? '';
    },
    async cleanup(state, ctx) {
      if (!state.containerId) return;
      await lastCheckpointSaved(state);
      ctx.ui.say(`Removing the container: ${state.containerId.slice(0, 12)}`);
      try {
        await state.docker!.getContainer(state.containerId).remove({ force: true, v: true });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      state.containerId = undefined;
    },
    leftover: (state) =>
      state.containerId
        ? `docker container ${state.containerId.slice(0, 12)} (remove it with: docker rm -f ${state.containerId.slice(0, 12)})`
        : undefined,
  };
}

/** Whether run_command already mounts something at `dir` (a volume or a tmpfs of the user's). */
function mountsAt(spec: RunSpec, dir: string): boolean {
  const target = path.posix.normalize(dir);
  return (
    Object.keys(spec.tmpfs).some((t) => path.posix.normalize(t) === target) ||
    spec.binds.some((b) => path.posix.normalize(b.split(':')[1] ?? '') === target)
  );
}

const ROOT_USERS = new Set(['', 'root', '0']);

export function stepConnect(config: DockerConfig): Step<DockerState> {
  return {
    name: 'docker-connect',
    async run(state) {
      if (config.communicator === 'none') {
        state.communicator = noneCommunicator;
        return;
      }
      const docker = state.docker!;
      const owner = config.execUser ?? state.containerUser ?? '';
      const ownerUser = owner.split(':')[0]!;
      const communicator = new DockerCommunicator(docker, state.containerId!, {
        execUser: config.execUser,
        uploadOwner: config.fixUploadOwner && !ROOT_USERS.has(ownerUser) ? owner : undefined,
      });
      state.communicator = communicator;
    },
  };
}

/** Commits, exports or discards the container. */
export function stepOutput(config: DockerConfig): Step<DockerState> {
  return {
    name: 'docker-output',
    async run(state, ctx) {
      const checkpoint = lastCheckpointSaved(state);
      try {
        await outputContainer(config, state, ctx);
      } finally {
        await checkpoint;
      }
    },
  };
}

async function outputContainer(config: DockerConfig, state: DockerState, ctx: RunContext): Promise<void> {
  const docker = state.docker!;
  const container = docker.getContainer(state.containerId!);
  if (config.output.kind === 'discard') {
    ctx.ui.say('Discarding the container.');
    return;
  }
  if (config.output.kind === 'export') return exportContainer(container, config.output.path, ctx);
  ctx.ui.say('Committing the container');
  // The image starts from the base image's configuration, not the container's: the
  // build-time entrypoint (run_command's /bin/sh) must not become the image's.
  const base = state.imageConfig ?? {};
  const body = {
    ...base,
    Entrypoint: base.Entrypoint ?? [],
    Cmd: base.Cmd ?? [],
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    AttachStdin: false,
  };
  // A cancel cannot stop a commit the daemon has begun; boxwright waits for it and removes
  // the image it made, so nothing untagged is left behind a "cancelled".
  const onAbort = () => ctx.ui.say('Waiting for Docker to finish the commit, to remove the image it makes');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = (await container.commit({
      _query: {
        container: container.id,
        author: config.author,
        comment: config.message,
        changes: config.changes,
        pause: true,
      },
      _body: body,
    } as unknown as object)) as { Id: string };
    state.imageId = result.Id;
  } catch (err) {
    if (ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
    throw engineFailure(
      'could not commit the container',
      err,
      config.changes.length ? 'check "changes": each must be a valid Dockerfile instruction' : undefined,
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  if (ctx.signal.aborted) {
    ctx.ui.say(`Removing the image committed before the cancel: ${state.imageId.slice(0, 19)}`);
    await removeImage(state.imageId, { force: true });
    state.imageId = undefined;
    throw new CancelledError('Build was cancelled.');
  }
  ctx.ui.message(`Image ID: ${state.imageId}`);
}

/** Streams the container's files into the tar at `file`. */
async function exportContainer(container: Docker.Container, file: string, ctx: RunContext): Promise<void> {
  ctx.ui.say(`Exporting the container to ${file}`);
  try {
    await streamToFile(await container.export({ abortSignal: ctx.signal } as object), file, ctx.signal);
  } catch (err) {
    throw engineFailure(`could not export the container to ${file}`, err);
  }
}
