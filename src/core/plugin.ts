import type { Communicator, CommunicatorType } from './communicator.js';
import type { Artifact, ArtifactKind } from './artifact.js';
import type { Fingerprint } from './fingerprint.js';
import type { Prompt } from './prompt.js';
import type { Step } from './steps.js';
import type { Ui } from './ui.js';

/** A config path relative to the plugin's own object: ['execute_command', 0]. */
export type ConfigPath = (string | number)[];

/** Where a plugin's `prepare` reports semantic problems; the loader adds file:line:column. */
export interface ConfigProblems {
  error(path: ConfigPath, message: string, hint?: string): void;
  warn(path: ConfigPath, message: string, hint?: string): void;
}

export interface PrepareContext {
  problems: ConfigProblems;
  templateDir: string;
  /** The template's file name without its extension: what the builds of one template share. */
  templateName: string;
  buildName: string;
  buildType: string;
}

interface PluginBase<Config> {
  /** The template's "type" string. */
  readonly type: string;
  /** JSON Schema (draft-07) of the options; ajv applies defaults and coerces "2" to 2 as Packer does. */
  readonly schema: Record<string, unknown>;
  /** Late-bound fields ({{ .Vars }}) each top-level option accepts; everywhere else they are errors. */
  readonly lateFields?: Readonly<Record<string, readonly string[]>>;
  /** Options whose values are secrets (passwords): hidden in every output, as sensitive variables are. */
  readonly secretOptions?: readonly string[];
  /** Turns schema-checked options into typed config, reporting every further problem. */
  prepare(options: Record<string, unknown>, ctx: PrepareContext): Config;
}

/** What every running plugin can use. */
export interface RunContext {
  /** The build's name in the run (TYPE.NAME for an HCL2 source): unique, in the UI and in resource names. */
  buildName: string;
  /**
   * The name Packer gives the build's plugins, for PACKER_BUILD_NAME and packer_build_name:
   * the build's name, or for an HCL2 source its NAME alone.
   */
  packerBuildName: string;
  buildType: string;
  ui: Ui;
  signal: AbortSignal;
  prompt: Prompt;
  debug: boolean;
  /** Writes a line to the debug log (BOXWRIGHT_LOG). */
  log(line: string): void;
  /** Renders late-bound fields ({{ .Vars }}) left in an option by the loader. */
  render(template: string, fields: Record<string, string>): string;
  templateDir: string;
  /** The directory boxwright runs in: relative paths in options resolve against it. */
  cwd: string;
  /** One id per `boxwright build` run (Packer's packer_run_uuid). */
  runUuid: string;
  /** When this `boxwright build` run started (file times in boxes, unless SOURCE_DATE_EPOCH). */
  startedAt: Date;
  /** Hides sensitive values in anything a plugin writes out itself (files, manifests). */
  redact<T>(value: T): T;
  /**
   * The template's sensitive values (variables, password options), to seal what may hold
   * them in clear (a saved machine's memory) so that a build of the same template can open
   * it. Never to be shown or written as they are.
   */
  secretValues(): readonly string[];
  /** -force: what an earlier build left where this one writes is replaced rather than refused. */
  force: boolean;
}

export type OnErrorPolicy = 'cleanup' | 'abort' | 'ask' | 'run-cleanup-provisioner';

/** What a builder gets: the run context plus the tools to run steps and provisioners. */
export interface BuildContext extends RunContext {
  onError: OnErrorPolicy;
  /** Runs the builder's steps with cleanup in reverse order, honouring -on-error and -debug. */
  runSteps<S>(steps: Step<S>[], state: S): Promise<void>;
  /**
   * Runs the template's provisioners over the communicator (the provision hook).
   * `generated` holds values the builder made, such as PACKER_HTTP_ADDR, which
   * provisioners put in their scripts' environment as Packer does. `machineId` is the
   * builder's id of the machine (an instance or container id), Packer's build.ID.
   */
  provision(
    communicator: Communicator,
    generated?: Record<string, string>,
    machineId?: string,
    checkpoints?: ProvisionCheckpoints,
  ): Promise<void>;
  /**
   * The checkpoint key of the machine after each provisioner, from what the builder starts
   * from (`base`: its source and the options that shape the machine). Undefined when
   * checkpoints are off (-no-checkpoints) or the build has no provisioners.
   */
  checkpointKeys(base: unknown): Promise<(string | undefined)[] | undefined>;
  /** Where checkpoints of disks are kept, and the most all checkpoints may take (older ones go beyond it). */
  checkpointCache: CheckpointCache;
  /** The fingerprint provisioning took, for a builder that keeps the finished machine. */
  provisionedFingerprint(): Fingerprint | undefined;
  /**
   * Tells the runner that the machine comes whole from an earlier build that finished with
   * the same keys: no provisioner runs, and `kept.fingerprint` is the build's. False when
   * this run needs what only a running machine gives (a fingerprint the earlier build did
   * not take, build.* values): the builder then runs the machine as usual.
   */
  adoptProvisioning(kept: { fingerprint: Fingerprint | undefined }): boolean;
}

export interface CheckpointCache {
  /** The folder for checkpoints kept as files (QEMU disk layers). */
  dir: string;
  maxBytes: number;
}

/** The paths on the machine that a provisioner writes (provisioner `index`, 0-based). */
export interface GuestWrites {
  index: number;
  paths: string[];
}

/** How a builder that keeps checkpoints takes part in provisioning. */
export interface ProvisionCheckpoints {
  /**
   * The machine is already in the state after this provisioner (0-based): the ones up to it
   * are skipped, except those in `replay`, which run again first: what they wrote is not in
   * the checkpoint (a VM's disk does not keep /tmp across the boot a resumed build starts with).
   */
  resumeAfter?: { index: number; savedAt: Date | undefined; replay: GuestWrites[] };
  /** Notes the machine's state before the first provisioner that runs (and before any replay). */
  start?(): Promise<void>;
  /**
   * Keeps the machine's state after provisioner `index`, under `key`; `writes` lists what the
   * provisioners so far wrote on the machine, where they can tell (the file provisioner).
   */
  save(index: number, key: string, writes: GuestWrites[]): Promise<void>;
  /** The key after each provisioner (undefined where none can be known). */
  keys: (string | undefined)[];
}

export interface ProvisionContext extends RunContext {
  communicator: Communicator;
  /** Environment the builder provides (PACKER_HTTP_ADDR), added to scripts' variables. */
  generated: Record<string, string>;
  /** Takes the build's fingerprint now (the fingerprint provisioner). */
  takeFingerprint?: () => Promise<void>;
}

export interface Builder<Config = unknown> extends PluginBase<Config> {
  readonly kind: 'builder';
  /** The kind of artifact this builder makes, for checking post-processor chains; it may depend on the config. */
  readonly produces: ArtifactKind | ((config: Config) => ArtifactKind);
  /** How provisioners reach the machine, from the prepared config. */
  communicator(config: Config): CommunicatorType;
  /** The files or directories the build writes, so that two builds of one run never share one. */
  outputs?(config: Config): string[];
  run(config: Config, ctx: BuildContext): Promise<Artifact>;
}

export interface Provisioner<Config = unknown> extends PluginBase<Config> {
  readonly kind: 'provisioner';
  /** False for provisioners that run on the build host (shell-local, breakpoint). */
  readonly needsCommunicator: boolean;
  /**
   * The local files and directories whose contents it sends to the machine, for checkpoint
   * keys. A provisioner without it is never skipped by a checkpoint, nor is any after it.
   */
  localInputs?(config: Config): string[];
  /** The paths on the machine it writes, when it can tell them all before it runs (the file provisioner's uploads). */
  guestWrites?(config: Config): string[];
  provision(config: Config, ctx: ProvisionContext): Promise<void>;
}

export interface PostProcessResult {
  artifact: Artifact;
  /** Whether the input should be kept when the template does not say (Packer's keep default). */
  keepInput: boolean;
  /** True when the input must be kept whatever keep_input_artifact says. */
  forceKeep?: boolean;
}

export interface PostProcessor<Config = unknown> extends PluginBase<Config> {
  readonly kind: 'post-processor';
  /** Artifact kinds this post-processor can take. */
  readonly accepts: readonly ArtifactKind[] | 'any';
  /** What it returns: a kind, or its input's kind. */
  readonly produces: ArtifactKind | 'input';
  process(config: Config, input: Artifact, ctx: RunContext): Promise<PostProcessResult>;
}

export type Plugin = Builder | Provisioner | PostProcessor;
export type PluginKind = Plugin['kind'];
