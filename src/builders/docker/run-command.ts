/**
 * Reads Packer's `run_command` (the arguments of `docker run`) into a container
 * definition for the Engine API, so templates written for Packer keep working
 * without the docker CLI. Flags boxwright does not know are refused by name.
 */

export interface RunSpec {
  image: string;
  cmd: string[];
  /** Undefined: the image's entrypoint. */
  entrypoint?: string[];
  tty: boolean;
  openStdin: boolean;
  env: string[];
  user?: string;
  workingDir?: string;
  hostname?: string;
  name?: string;
  labels: Record<string, string>;
  binds: string[];
  tmpfs: Record<string, string>;
  devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  networkMode?: string;
  platform?: string;
  runtime?: string;
  init: boolean;
  securityOpt: string[];
  extraHosts: string[];
  memoryBytes?: number;
  shmSizeBytes?: number;
}

export interface RunCommandError {
  /** Index of the offending argument in run_command. */
  index: number;
  message: string;
  hint: string;
}

type ValueFlag = (spec: RunSpec, value: string) => string | undefined;

const BOOLEAN_FLAGS: Record<string, (spec: RunSpec, on: boolean) => void> = {
  detach: () => {},
  interactive: (s, on) => void (s.openStdin = on),
  tty: (s, on) => void (s.tty = on),
  privileged: (s, on) => void (s.privileged = on),
  // The builder removes its container itself; --rm changes nothing.
  rm: () => {},
  init: (s, on) => void (s.init = on),
};

const VALUE_FLAGS: Record<string, ValueFlag> = {
  // An empty --entrypoint resets the image's entrypoint, as in docker run.
  entrypoint: (s, v) => void (s.entrypoint = v === '' ? [] : [v]),
  name: (s, v) => void (s.name = v),
  env: (s, v) => {
    if (v.includes('=')) s.env.push(v);
    else if (process.env[v] !== undefined) s.env.push(`${v}=${process.env[v]}`);
    return undefined;
  },
  volume: (s, v) =>
    v.includes(':')
      ? void s.binds.push(v)
      : 'a volume needs HOST:CONTAINER[:OPTIONS], for example /srv/cache:/cache:ro',
  workdir: (s, v) => void (s.workingDir = v),
  user: (s, v) => void (s.user = v),
  hostname: (s, v) => void (s.hostname = v),
  label: (s, v) => {
    const eq = v.indexOf('=');
    s.labels[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
    return undefined;
  },
  network: (s, v) => void (s.networkMode = v),
  'cap-add': (s, v) => void s.capAdd.push(v),
  'cap-drop': (s, v) => void s.capDrop.push(v),
  device: (s, v) => {
    const [host, container, perms] = v.split(':');
    if (!host) return 'a device needs HOST[:CONTAINER[:PERMISSIONS]], for example /dev/fuse';
    s.devices.push({ PathOnHost: host, PathInContainer: container || host, CgroupPermissions: perms || 'rwm' });
    return undefined;
  },
  tmpfs: (s, v) => {
    const colon = v.indexOf(':');
    s.tmpfs[colon < 0 ? v : v.slice(0, colon)] = colon < 0 ? '' : v.slice(colon + 1);
    return undefined;
  },
  platform: (s, v) => void (s.platform = v),
  runtime: (s, v) => void (s.runtime = v),
  'security-opt': (s, v) => void s.securityOpt.push(v),
  'add-host': (s, v) => void s.extraHosts.push(v),
  memory: (s, v) => {
    const bytes = parseByteSize(v);
    if (bytes === undefined) return 'a memory limit looks like 512m or 2g';
    s.memoryBytes = bytes;
    return undefined;
  },
  'shm-size': (s, v) => {
    const bytes = parseByteSize(v);
    if (bytes === undefined) return 'a size looks like 64m or 1g';
    s.shmSizeBytes = bytes;
    return undefined;
  },
};

const ALIASES: Record<string, string> = {
  d: 'detach',
  i: 'interactive',
  t: 'tty',
  e: 'env',
  v: 'volume',
  w: 'workdir',
  u: 'user',
  h: 'hostname',
  l: 'label',
  m: 'memory',
  net: 'network',
};

const SUPPORTED = [...Object.keys(BOOLEAN_FLAGS), ...Object.keys(VALUE_FLAGS)].map((f) => `--${f}`).join(', ');

/** Applies one valued `docker run` flag (by its long name) to a spec; returns a problem, if any. */
export function applyRunFlag(spec: RunSpec, flag: string, value: string): string | undefined {
  const apply = VALUE_FLAGS[flag];
  if (!apply) throw new Error(`internal: no docker run flag --${flag}`);
  return apply(spec, value);
}

/** Docker's size syntax: a number with an optional b, k, m or g (powers of 1024). */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(text.trim());
  if (!m) return undefined;
  const power = { '': 0, b: 0, k: 1, m: 2, g: 3 }[m[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * 1024 ** power);
}

export function emptyRunSpec(): RunSpec {
  return {
    image: '',
    cmd: [],
    tty: false,
    openStdin: false,
    env: [],
    labels: {},
    binds: [],
    tmpfs: {},
    devices: [],
    capAdd: [],
    capDrop: [],
    privileged: false,
    init: false,
    securityOpt: [],
    extraHosts: [],
  };
}

/** Parses `docker run` arguments (without "run"): flags, then the image, then the command. */
export function parseRunCommand(
  args: readonly string[],
  spec: RunSpec = emptyRunSpec(),
): { spec: RunSpec } | { error: RunCommandError } {
  let i = 0;
  const fail = (index: number, message: string, hint: string) => ({ error: { index, message, hint } });
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const raw = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const name = ALIASES[raw] ?? raw;
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      const bool = BOOLEAN_FLAGS[name];
      if (bool) {
        if (inline !== undefined && inline !== 'true' && inline !== 'false')
          return fail(i, `"${arg}": --${raw} takes true or false`, `write --${raw} or --${raw}=false`);
        bool(spec, inline !== 'false');
        i++;
        continue;
      }
      const valued = VALUE_FLAGS[name];
      if (!valued)
        return fail(
          i,
          `boxwright does not support the docker run flag "--${raw}"`,
          `supported flags: ${SUPPORTED}; or use the builder's own options (volumes, device, cap_add, ...)`,
        );
      const value = inline ?? args[i + 1];
      if (value === undefined)
        return fail(
          i,
          `"${arg}" needs a value`,
          `for example "--${raw}", "VALUE" as two list items, or "--${raw}=VALUE"`,
        );
      const problem = valued(spec, value);
      if (problem)
        return fail(inline === undefined ? i + 1 : i, `"--${raw}": ${problem}`, 'fix the value in run_command');
      i += inline === undefined ? 2 : 1;
      continue;
    }
    // Short flags cluster ("-dit"); one that takes a value ends the cluster ("-eFOO=1", "-e FOO=1").
    let consumed = 1;
    for (let c = 1; c < arg.length; c++) {
      const letter = arg[c]!;
      const name = ALIASES[letter];
      if (!name)
        return fail(
          i,
          `boxwright does not support the docker run flag "-${letter}" (in "${arg}")`,
          `supported flags: ${SUPPORTED}`,
        );
      const bool = BOOLEAN_FLAGS[name];
      if (bool) {
        bool(spec, true);
        continue;
      }
      let value = arg.slice(c + 1);
      if (value.startsWith('=')) value = value.slice(1);
      if (value === '') {
        const next = args[i + 1];
        if (next === undefined) return fail(i, `"-${letter}" needs a value`, `put the value in the next list item`);
        value = next;
        consumed = 2;
      }
      const problem = VALUE_FLAGS[name]!(spec, value);
      if (problem) return fail(i, `"-${letter}": ${problem}`, 'fix the value in run_command');
      break;
    }
    i += consumed;
  }
  const image = args[i];
  if (image === undefined || image === '')
    return fail(
      Math.max(0, args.length - 1),
      'run_command names no image to run',
      'end it with "--", "{{.Image}}" as Packer\'s default does',
    );
  return { spec: { ...spec, image, cmd: args.slice(i + 1) } };
}

/** Packer's default: keep a shell waiting on stdin so the container stays up for provisioning. */
export const DEFAULT_RUN_COMMAND = ['-d', '-i', '-t', '--entrypoint=/bin/sh', '--', '{{.Image}}'];
