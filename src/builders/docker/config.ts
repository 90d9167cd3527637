import type { ConfigProblems, PrepareContext } from '../../core/plugin.js';
import type { RegistryAuth } from '../../machines/docker/engine.js';
import { loginSchemaProperties, prepareLogin, registryOf, splitReference } from '../../machines/docker/engine.js';
import { applyRunFlag, DEFAULT_RUN_COMMAND, emptyRunSpec, parseRunCommand, type RunSpec } from './run-command.js';
import { checkChanges } from '../../machines/docker/changes.js';
import { catalogueSchema, checkCatalogue, type OptionCatalogue } from '../../core/option-catalogue.js';
import { sshSchemaProperties } from '../../communicators/ssh/config.js';
import { WINRM_OPTION_NAMES } from '../../communicators/winrm-options.js';

/** What the build leaves: an image in the engine, a tar of the container's files, or nothing. */
export type DockerOutput = { kind: 'commit' } | { kind: 'export'; path: string } | { kind: 'discard' };

export interface DockerConfig {
  image: string;
  pull: boolean;
  output: DockerOutput;
  changes: string[];
  author: string | undefined;
  message: string | undefined;
  /** run_command as written; `{{.Image}}` is rendered at run time. */
  runCommand: string[];
  /** What the builder's own options add to the container (volumes, devices, capabilities...). */
  base: RunSpec;
  containerDir: string;
  execUser: string | undefined;
  fixUploadOwner: boolean;
  login: RegistryAuth | undefined;
  communicator: 'docker' | 'none';
  /** boxwright's own "checkpoints": false keeps and resumes from none, as -no-checkpoints does. */
  checkpoints: boolean;
}

/** The instructions `docker commit --change` understands. */
const LOGIN_INSTEAD = 'log in with "login_username"/"login_password"';

/** Packer's SSH and WinRM options, which its docker builder takes for "communicator": "ssh" or "winrm". */
const COMMUNICATOR_OPTIONS = [
  ...Object.keys(sshSchemaProperties).filter((k) => k !== 'communicator'),
  'ssh_keypair_name',
  'temporary_key_pair_name',
  'ssh_clear_authorized_keys',
  ...WINRM_OPTION_NAMES,
];

/** Packer 1.6's docker options that boxwright refuses for now or that make no difference here. */
const DOCKER_CATALOGUE: OptionCatalogue = {
  notYet: {
    ecr_login: {
      why: 'Amazon ECR logins are not made',
      instead: `${LOGIN_INSTEAD} (aws ecr get-login-password prints the password)`,
    },
    aws_access_key: { why: 'Amazon ECR logins are not made', instead: LOGIN_INSTEAD },
    aws_secret_key: { why: 'Amazon ECR logins are not made', instead: LOGIN_INSTEAD },
    aws_token: { why: 'Amazon ECR logins are not made', instead: LOGIN_INSTEAD },
    aws_profile: { why: 'Amazon ECR logins are not made', instead: LOGIN_INSTEAD },
    windows_container: { why: 'boxwright builds Linux containers only', instead: 'remove it' },
    build: {
      why: 'images are not built from a Dockerfile',
      instead: 'build the image with "docker build" first and name it in "image"',
    },
  },
  ignored: Object.fromEntries(
    COMMUNICATOR_OPTIONS.map((k) => [
      k,
      'the docker builder reaches the container through the Docker API, not SSH or WinRM',
    ]),
  ),
};

const strings = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] };

export const dockerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    image: { type: 'string', minLength: 1, description: '"debian:bookworm"' },
    pull: { type: 'boolean', default: true },
    commit: { type: 'boolean', default: false },
    discard: { type: 'boolean', default: false },
    export_path: { type: 'string', minLength: 1 },
    changes: strings,
    author: { type: 'string' },
    message: { type: 'string' },
    run_command: { type: 'array', minItems: 1, items: { type: 'string' } },
    volumes: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, default: {} },
    privileged: { type: 'boolean', default: false },
    cap_add: strings,
    cap_drop: strings,
    device: strings,
    tmpfs: strings,
    platform: { type: 'string', minLength: 1 },
    runtime: { type: 'string', minLength: 1 },
    container_dir: { type: 'string', default: '/packer-files' },
    exec_user: { type: 'string', minLength: 1 },
    fix_upload_owner: { type: 'boolean', default: true },
    ...loginSchemaProperties,
    communicator: { type: 'string', enum: ['docker', 'none'], default: 'docker' },
    checkpoints: { type: 'boolean', default: true },
    ...catalogueSchema(DOCKER_CATALOGUE),
  },
};

export function prepareDocker(o: Record<string, unknown>, ctx: PrepareContext): DockerConfig {
  const p = ctx.problems;
  checkCatalogue(o, p, DOCKER_CATALOGUE);
  const image = (o.image as string | undefined) ?? '';
  if (!image)
    p.error(
      [],
      'missing required option "image"',
      'name the image to start from, for example "image": "debian:bookworm"',
    );

  const chosen = (['commit', 'discard', 'export_path'] as const).filter((k) =>
    k === 'export_path' ? o[k] !== undefined : o[k] === true,
  );
  if (chosen.length !== 1) {
    p.error(
      chosen.length ? [chosen[1]!] : [],
      chosen.length
        ? `"${chosen.join('" and "')}" cannot be used together`
        : 'say what to keep: set one of "commit": true, "discard": true or "export_path"',
      "commit makes an image, export_path writes the container's files to a tar, discard keeps nothing",
    );
  }
  const output: DockerOutput =
    o.export_path !== undefined
      ? { kind: 'export', path: o.export_path as string }
      : o.discard === true
        ? { kind: 'discard' }
        : { kind: 'commit' };

  const changes = o.changes as string[];
  checkChanges(changes, p, 'docker commit');
  if (changes.length && output.kind !== 'commit')
    p.warn(
      ['changes'],
      `"changes" only applies when the container is committed; this build ${output.kind === 'export' ? 'exports a tar' : 'discards it'}`,
      output.kind === 'export' ? 'give the changes to the docker-import post-processor instead' : 'remove it',
    );

  // The builder's own options are what Packer puts before run_command as docker run flags; they are read the same way.
  const base = emptyRunSpec();
  base.privileged = o.privileged as boolean;
  const flags: [flag: string, values: string[], path: string][] = [
    [
      'volume',
      Object.entries(o.volumes as Record<string, string>).map(([host, container]) => `${host}:${container}`),
      'volumes',
    ],
    ['cap-add', o.cap_add as string[], 'cap_add'],
    ['cap-drop', o.cap_drop as string[], 'cap_drop'],
    ['device', o.device as string[], 'device'],
    ['tmpfs', o.tmpfs as string[], 'tmpfs'],
    ['platform', o.platform === undefined ? [] : [o.platform as string], 'platform'],
    ['runtime', o.runtime === undefined ? [] : [o.runtime as string], 'runtime'],
  ];
  for (const [flag, values, key] of flags) {
    for (const value of values) {
      const problem = applyRunFlag(base, flag, value);
      if (problem) p.error([key], problem);
    }
  }

  const runCommand = (o.run_command as string[] | undefined) ?? DEFAULT_RUN_COMMAND;
  // {{.Image}} is still a template here; the flags around it are what can be wrong.
  const parsed = parseRunCommand(runCommand);
  if ('error' in parsed) p.error(['run_command', parsed.error.index], parsed.error.message, parsed.error.hint);

  const login = prepareLogin(o, p, () => registryOf(splitReference(image).repository));

  return {
    image,
    pull: o.pull as boolean,
    output,
    changes,
    author: o.author as string | undefined,
    message: o.message as string | undefined,
    runCommand,
    base,
    containerDir: o.container_dir as string,
    execUser: o.exec_user as string | undefined,
    fixUploadOwner: o.fix_upload_owner as boolean,
    login,
    communicator: o.communicator as 'docker' | 'none',
    checkpoints: o.checkpoints as boolean,
  };
}
