import path from 'node:path';
import type { CommunicatorType } from '../core/communicator.js';
import { KIND_NAMES, type ArtifactKind } from '../core/artifact.js';
import { parseGoDuration } from '../base/duration.js';
import type { Redactor } from '../core/redact.js';
import type { Builder, ConfigPath, PluginKind, PostProcessor, Provisioner } from '../core/plugin.js';
import type { BuildValues } from '../core/build-values.js';
import { DiagnosticBag, DiagnosticsError, suggestion } from './diagnostics.js';
import type { FunctionScope } from './interpolate/functions.js';
import { TemplateError } from './interpolate/parse.js';
import { render } from './interpolate/render.js';
import type { PluginRegistry } from './registry.js';
import {
  BUILDER_COMMON_KEYS,
  POST_PROCESSOR_COMMON_KEYS,
  postProcessorBlockSchema,
  PROVISIONER_COMMON_KEYS,
} from './root-schema.js';
import { isObject } from '../util/is-object.js';
import { checkSchema } from './schema.js';
import { formatPath, type JsonPath, type TemplateSource } from './source.js';
import type { Variables } from './variables.js';
import { publicWord } from '../core/redact.js';

export interface PlannedProvisioner {
  type: string;
  /** Where it is in the template, for messages: provisioners[2]. */
  label: string;
  plugin: Provisioner;
  config: unknown;
  pauseBeforeMs: number;
  maxRetries: number;
  timeoutMs: number | undefined;
  /** For options that read the running build's values (HCL2's build.Host): the config with them. */
  late?: LateConfig;
  /** False when the template marks it "reproducible": false: checkpoints never resume past it. */
  reproducible: boolean;
}

/** Prepares a plugin's config again with the running build's values; throws with the problems found. */
export type LateConfig = (build: BuildValues) => unknown;

export interface PlannedPostProcessor {
  type: string;
  name: string;
  label: string;
  plugin: PostProcessor;
  config: unknown;
  keepInputArtifact: boolean | undefined;
  late?: LateConfig;
}

/** One build, ready to run: typed configs only, no raw template JSON. */
export interface PlannedBuild {
  name: string;
  /** What Packer calls the build in its plugins: `name`, or an HCL2 source's NAME. */
  packerName: string;
  type: string;
  builder: Builder;
  config: unknown;
  communicator: CommunicatorType;
  provisioners: PlannedProvisioner[];
  errorCleanupProvisioner: PlannedProvisioner | undefined;
  chains: PlannedPostProcessor[][];
}

export interface Selection {
  only: string[];
  except: string[];
}

/** What the loader needs to know about the run to render templates. */
export interface PlanEnvironment {
  registry: PluginRegistry;
  initTime: Date;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Receives the values of plugins' secret options (passwords) so no output shows them. */
  redactor?: Redactor;
}

interface BuilderDecl {
  index: number;
  name: string;
  /** The name its plugins see: an HCL2 build is shown as TYPE.NAME, its plugins see NAME, as in Packer. */
  pluginName: string;
  type: string;
  raw: Record<string, unknown>;
}

interface PostProcessorDecl {
  path: JsonPath;
  raw: Record<string, unknown>;
  type: string;
  name: string;
}

const KIND_WORD: Record<PluginKind, string> = {
  builder: 'builder',
  provisioner: 'provisioner',
  'post-processor': 'post-processor',
};

/** Plans the selected builds of a parsed, schema-checked template. Problems go into `bag`. */
export class Planner {
  private readonly templateDir: string;

  constructor(
    private readonly source: TemplateSource,
    private readonly root: Record<string, unknown>,
    private readonly variables: Variables,
    private readonly env: PlanEnvironment,
    private bag: DiagnosticBag,
  ) {
    this.templateDir = source.dir ?? path.dirname(path.resolve(env.cwd, source.file));
  }

  /** The builds named in the template, with names rendered ({{user}} allowed). */
  builders(): BuilderDecl[] {
    const list = Array.isArray(this.root.builders) ? this.root.builders : [];
    const seen = new Map<string, number>();
    const decls: BuilderDecl[] = [];
    list.forEach((raw, index) => {
      if (!isObject(raw) || typeof raw.type !== 'string') return;
      const rawName = typeof raw.name === 'string' ? raw.name : raw.type;
      const name =
        this.renderString(rawName, ['builders', index, typeof raw.name === 'string' ? 'name' : 'type'], this.scope()) ??
        rawName;
      if (seen.has(name)) {
        this.report(['builders', index], {
          message: `a second build is named "${name}" (builders[${seen.get(name)}] has that name)`,
          hint: 'give each builder of the same type a distinct "name"',
        });
      }
      seen.set(name, index);
      decls.push({ index, name, pluginName: this.source.pluginBuildName?.(name) ?? name, type: raw.type, raw });
    });
    return decls;
  }

  /** Plans every selected build. */
  plan(selection: Selection): PlannedBuild[] {
    this.noteMinVersion();
    const builders = this.builders();
    const names = builders.map((b) => b.name);
    const postProcessors = this.postProcessorChains(names);
    const selected = this.select(builders, postProcessors.flat(), selection);
    const provisionerList = Array.isArray(this.root.provisioners) ? this.root.provisioners : [];
    this.checkBuildReferences(provisionerList, ['provisioners'], names);
    const builds: PlannedBuild[] = [];
    for (const decl of builders) {
      // Like Packer, only the selected builds are prepared: a broken build that is not run does not block the others.
      if (!selected.has(decl.name)) {
        this.hideSecretsOf(decl);
        continue;
      }
      const planned = this.planBuild(decl, provisionerList, postProcessors, selection, names);
      if (planned) builds.push(planned);
    }
    this.checkSharedOutputs(builds, builders);
    return builds;
  }

  /** Two builds of one run writing one path would overwrite or delete each other's work. */
  private checkSharedOutputs(builds: PlannedBuild[], decls: BuilderDecl[]): void {
    const owner = new Map<string, string>();
    for (const build of builds) {
      for (const output of build.builder.outputs?.(build.config) ?? []) {
        const resolved = path.resolve(this.env.cwd, output);
        const first = owner.get(resolved);
        if (first === undefined) {
          owner.set(resolved, build.name);
          continue;
        }
        const decl = decls.find((d) => d.name === build.name)!;
        this.report(['builders', decl.index], {
          message: `builds "${first}" and "${build.name}" both write ${output}: each would overwrite or delete the other's`,
          hint: 'give each build its own output_directory (or target, export_path)',
        });
      }
    }
  }

  /**
   * A build left out by -only/-except still has its passwords hidden in this run's output, so
   * that what one template's runs write (fingerprints, say) is redacted alike whatever was selected.
   */
  private hideSecretsOf(decl: BuilderDecl): void {
    const builder = this.env.registry.builder(decl.type);
    for (const key of builder?.secretOptions ?? []) {
      const value = decl.raw[key];
      if (typeof value !== 'string' || value === '') continue;
      try {
        this.env.redactor?.add(value.includes('{{') ? render(value, { scope: this.scope(decl) }) : value);
      } catch {
        // An option that does not render is reported when its build is selected.
      }
    }
  }

  private planBuild(
    decl: BuilderDecl,
    provisionerList: unknown[],
    chains: PostProcessorDecl[][],
    selection: Selection,
    names: string[],
  ): PlannedBuild | undefined {
    const builder = this.lookup('builder', decl.type, ['builders', decl.index, 'type']) as Builder | undefined;
    let config: unknown;
    let communicator: CommunicatorType = 'none';
    if (builder) {
      config = this.prepareBlock(builder, decl.raw, ['builders', decl.index], new Map(), BUILDER_COMMON_KEYS, decl);
      if (config !== undefined) communicator = builder.communicator(config);
    }

    const provisioners: PlannedProvisioner[] = [];
    provisionerList.forEach((raw, i) => {
      if (!isObject(raw) || typeof raw.type !== 'string' || !appliesTo(raw, decl.name)) return;
      const p = this.planProvisioner(
        raw,
        ['provisioners', i],
        `provisioners[${i}]`,
        decl,
        communicator,
        builder !== undefined && config !== undefined,
      );
      if (p) provisioners.push(p);
    });
    let errorCleanupProvisioner: PlannedProvisioner | undefined;
    const ecp = this.root['error-cleanup-provisioner'];
    if (isObject(ecp) && typeof ecp.type === 'string') {
      this.checkBuildReferences([ecp], ['error-cleanup-provisioner'], names, true);
      if (appliesTo(ecp, decl.name))
        errorCleanupProvisioner = this.planProvisioner(
          ecp,
          ['error-cleanup-provisioner'],
          'error-cleanup-provisioner',
          decl,
          communicator,
          builder !== undefined && config !== undefined,
        );
    }

    const planned: PlannedPostProcessor[][] = [];
    for (const chain of chains) {
      const steps: PlannedPostProcessor[] = [];
      let kind: ArtifactKind | undefined = !builder
        ? undefined
        : typeof builder.produces === 'function'
          ? config === undefined
            ? undefined
            : builder.produces(config)
          : builder.produces;
      for (const pp of chain) {
        if (!appliesTo(pp.raw, decl.name) || selection.except.some((pattern) => globMatch(pattern, pp.name))) continue;
        const plugin = this.lookup('post-processor', pp.type, [...pp.path, 'type']) as PostProcessor | undefined;
        if (!plugin) {
          kind = undefined;
          continue;
        }
        if (kind && plugin.accepts !== 'any' && !plugin.accepts.includes(kind)) {
          this.report([...pp.path, 'type'], {
            message: `post-processor "${pp.type}" cannot take what build "${decl.name}" gives it: ${KIND_NAMES[kind]}`,
            hint: `${pp.type} takes ${plugin.accepts.map((k) => KIND_NAMES[k]).join(' or ')}; move it to a chain after a builder that makes that, or add "except": ["${decl.name}"]`,
          });
        }
        if (kind) kind = plugin.produces === 'input' ? kind : plugin.produces;
        const prepare = (raw: Record<string, unknown>) =>
          this.prepareBlock(plugin, raw, pp.path, new Map(), POST_PROCESSOR_COMMON_KEYS, decl);
        const ppConfig = prepare(pp.raw);
        if (ppConfig === undefined) continue;
        steps.push({
          type: pp.type,
          name: pp.name,
          label: formatPath(pp.path),
          plugin,
          config: ppConfig,
          keepInputArtifact: typeof pp.raw.keep_input_artifact === 'boolean' ? pp.raw.keep_input_artifact : undefined,
          late: this.lateConfig(pp.path, pp.raw, POST_PROCESSOR_COMMON_KEYS, prepare),
        });
      }
      if (steps.length) planned.push(steps);
    }
    if (!builder || config === undefined) return undefined;
    return {
      name: decl.name,
      packerName: decl.pluginName,
      type: decl.type,
      builder,
      config,
      communicator,
      provisioners,
      errorCleanupProvisioner,
      chains: planned,
    };
  }

  private planProvisioner(
    raw: Record<string, unknown>,
    blockPath: JsonPath,
    label: string,
    decl: BuilderDecl,
    communicator: CommunicatorType,
    builderOk: boolean,
  ): PlannedProvisioner | undefined {
    const type = String(raw.type);
    const plugin = this.lookup('provisioner', type, [...blockPath, 'type']) as Provisioner | undefined;
    if (!plugin) return undefined;
    if (plugin.needsCommunicator && builderOk && communicator === 'none') {
      this.report([...blockPath, 'type'], {
        message: `the ${type} provisioner needs to reach the machine, but build "${decl.name}" has "communicator": "none"`,
        hint: `give the builder a communicator, use shell-local instead, or add "except": ["${decl.name}"]`,
      });
    }
    // override.<build> replaces top-level options for that build (Packer's shallow merge).
    const keyPaths = new Map<string, JsonPath>();
    const override = isObject(raw.override) ? raw.override[decl.name] : undefined;
    if (isObject(override))
      for (const k of Object.keys(override)) keyPaths.set(k, [...blockPath, 'override', decl.name, k]);
    const prepare = (options: Record<string, unknown>) =>
      this.prepareBlock(
        plugin,
        { ...options, ...(isObject(override) ? override : {}) },
        blockPath,
        keyPaths,
        PROVISIONER_COMMON_KEYS,
        decl,
      );
    const scope = this.scope(decl);
    const durationOf = (key: 'pause_before' | 'timeout'): number | undefined => {
      if (typeof raw[key] !== 'string') return undefined;
      const text = this.renderString(raw[key], [...blockPath, key], scope);
      if (text === undefined) return undefined;
      const ms = parseGoDuration(text);
      if (ms === undefined)
        this.report([...blockPath, key], {
          message: `the string ${JSON.stringify(text)} is not a duration`,
          hint: 'write a Go duration such as "30s", "5m" or "1h30m"',
        });
      return ms;
    };
    const pauseBeforeMs = durationOf('pause_before') ?? 0;
    const timeoutMs = durationOf('timeout') || undefined;
    let maxRetries = 0;
    if (raw.max_retries !== undefined) {
      const text = this.renderString(String(raw.max_retries), [...blockPath, 'max_retries'], scope);
      maxRetries = Number(text);
      if (text !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0)) {
        this.report([...blockPath, 'max_retries'], {
          message: `max_retries must be a whole number, 0 or more, not ${JSON.stringify(text)}`,
        });
      }
    }
    const config = prepare(raw);
    if (config === undefined) return undefined;
    const late = this.lateConfig(blockPath, raw, PROVISIONER_COMMON_KEYS, prepare);
    if (raw.reproducible !== undefined && typeof raw.reproducible !== 'boolean')
      this.report([...blockPath, 'reproducible'], {
        message: `reproducible must be true or false, not ${JSON.stringify(raw.reproducible)}`,
        hint: 'write true or false without quotes',
      });
    const reproducible = raw.reproducible !== false;
    return { type, label, plugin, config, pauseBeforeMs, maxRetries, timeoutMs, late, reproducible };
  }

  /**
   * When the template says that a block reads the running build's values, a function that
   * prepares it again with them, reporting problems at the block's place in the template.
   */
  private lateConfig(
    blockPath: JsonPath,
    raw: Record<string, unknown>,
    reserved: Set<string>,
    prepare: (raw: Record<string, unknown>) => unknown,
  ): LateConfig | undefined {
    const options = this.source.lateOptions?.(blockPath);
    if (!options) return undefined;
    return (build) => {
      const bag = new DiagnosticBag();
      const planBag = this.bag;
      this.bag = bag;
      try {
        const again = options(build, bag);
        for (const key of reserved) if (key in raw) again[key] = raw[key];
        const config = bag.errors.length ? undefined : prepare(again);
        if (config === undefined) throw new DiagnosticsError(bag.errors);
        return config;
      } finally {
        this.bag = planBag;
      }
    };
  }

  /** Interpolates, schema-checks and prepares one plugin block; undefined when it has errors. */
  private prepareBlock(
    plugin: Builder | Provisioner | PostProcessor,
    raw: Record<string, unknown>,
    blockPath: JsonPath,
    keyPaths: Map<string, JsonPath>,
    reserved: Set<string>,
    decl: BuilderDecl,
  ): unknown {
    const sourcePath = (p: ConfigPath): JsonPath => {
      const [top, ...rest] = p;
      const base =
        typeof top === 'string' && keyPaths.has(top)
          ? keyPaths.get(top)!
          : top === undefined
            ? blockPath
            : [...blockPath, top];
      return [...base, ...rest];
    };
    const before = this.bag.errors.length;
    const scope = this.scope(decl);
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (reserved.has(key) || key.startsWith('_')) continue;
      const deferred = new Set(plugin.lateFields?.[key] ?? []);
      const rendered = this.renderValue(value, [key], sourcePath, scope, deferred);
      // Packer decodes options after interpolating them, weakly typed; literal values keep the strict checks.
      options[key] =
        typeof value === 'string' && value.includes('{{')
          ? weaklyTyped(rendered, propertySchema(plugin.schema, key))
          : rendered;
      const quoted = quotedNumbers(value, propertySchema(plugin.schema, key));
      if (quoted.length)
        this.report(sourcePath([key]), {
          severity: 'warning',
          message: `${quoted.map((q) => JSON.stringify(q)).join(', ')} in "${key}" ${quoted.length === 1 ? 'is a string' : 'are strings'}: boxwright reads ${quoted.length === 1 ? 'it as a number' : 'them as numbers'}, Packer 1.6 refuses the template`,
          hint: 'write the numbers without quotes',
        });
      // Packer's zero value: an empty string means the option is not set.
      if (options[key] === '') delete options[key];
    }
    // A password written straight into the template is as secret as a sensitive variable.
    for (const key of plugin.secretOptions ?? [])
      if (typeof options[key] === 'string') this.env.redactor?.add(options[key]);
    for (const problem of checkSchema(plugin.schema, options)) {
      this.report(sourcePath(problem.path), { message: problem.message, hint: problem.hint, where: problem.at });
    }
    if (this.bag.errors.length > before) return undefined;
    const problems = {
      error: (p: ConfigPath, message: string, hint?: string) => this.report(sourcePath(p), { message, hint }),
      warn: (p: ConfigPath, message: string, hint?: string) =>
        this.report(sourcePath(p), { message, hint, severity: 'warning' }),
    };
    const config = plugin.prepare(options, {
      problems,
      templateDir: this.templateDir,
      templateName: path.basename(this.source.file).replace(/(\.json)?(\.pkr)?\.(json|hcl)$/i, ''),
      buildName: decl.pluginName,
      buildType: decl.type,
    });
    return this.bag.errors.length > before ? undefined : config;
  }

  /** Adds a problem at a template path, with its file, line and column. */
  private report(
    at: JsonPath,
    d: {
      message: string;
      hint?: string;
      severity?: 'error' | 'warning';
      where?: 'key' | 'value';
      innerOffset?: number;
    },
  ): void {
    this.bag.add({
      ...this.source.locate(at, d.where ?? 'value', d.innerOffset),
      path: this.source.formatPath?.(at) ?? formatPath(at),
      message: d.message,
      hint: d.hint,
      severity: d.severity,
    });
  }

  private renderValue(
    value: unknown,
    configPath: ConfigPath,
    sourcePath: (p: ConfigPath) => JsonPath,
    scope: FunctionScope,
    deferred: Set<string>,
  ): unknown {
    if (typeof value === 'string') return this.renderString(value, sourcePath(configPath), scope, deferred) ?? value;
    if (Array.isArray(value))
      return value.map((v, i) => this.renderValue(v, [...configPath, i], sourcePath, scope, deferred));
    if (isObject(value))
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          this.renderValue(v, [...configPath, k], sourcePath, scope, deferred),
        ]),
      );
    return value;
  }

  private renderString(text: string, at: JsonPath, scope: FunctionScope, deferred?: Set<string>): string | undefined {
    try {
      const warn = (message: string, hint: string | undefined, offset: number) =>
        this.report(at, { message, hint, severity: 'warning', innerOffset: offset });
      return render(text, { scope: { ...scope, warn }, deferred });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      this.report(at, { message: err.message, hint: err.hint, innerOffset: err.offset });
      return undefined;
    }
  }

  private scope(decl?: { name: string; type: string }): FunctionScope {
    const vars = this.variables;
    return {
      section: 'template',
      // A required variable with no value is reported once, by the variables pass.
      userVariable: (n) => vars.values.get(n) ?? (vars.declared.has(n) ? '' : undefined),
      variableNames: () => [...vars.declared.keys()],
      env: (n) => this.env.env[n] ?? '',
      initTime: this.env.initTime,
      templateDir: this.templateDir,
      pwd: this.env.cwd,
      buildName: decl?.name,
      buildType: decl?.type,
    };
  }

  private lookup(kind: PluginKind, type: string, at: JsonPath): Builder | Provisioner | PostProcessor | undefined {
    const reg = this.env.registry;
    const plugin =
      kind === 'builder' ? reg.builder(type) : kind === 'provisioner' ? reg.provisioner(type) : reg.postProcessor(type);
    if (plugin) return plugin;
    const implemented = reg.implemented(kind);
    if (reg.planned(kind).includes(type)) {
      this.report(at, {
        message: `${KIND_WORD[kind]} type "${type}" is not supported by boxwright yet`,
        hint: `supported ${KIND_WORD[kind]} types: ${implemented.map(publicWord).join(', ')}`,
      });
    } else {
      this.report(at, {
        message: `unknown ${KIND_WORD[kind]} type "${type}"`,
        hint: suggestion(type, [...implemented, ...reg.planned(kind)]),
      });
    }
    return undefined;
  }

  /** Parses "post-processors": strings, objects and nested lists (chains). */
  private postProcessorChains(buildNames: string[]): PostProcessorDecl[][] {
    const list = this.root['post-processors'];
    if (!Array.isArray(list)) return [];
    const chains: PostProcessorDecl[][] = [];
    const one = (raw: unknown, p: JsonPath): PostProcessorDecl | undefined => {
      const obj = typeof raw === 'string' ? { type: raw } : raw;
      if (!isObject(obj)) {
        this.report(p, {
          message: 'a post-processor must be a type name ("manifest") or an object with "type"',
          hint: 'a list inside "post-processors" is a chain; lists cannot nest deeper',
        });
        return undefined;
      }
      for (const problem of checkSchema(postProcessorBlockSchema, obj)) {
        this.report([...p, ...problem.path], { message: problem.message, hint: problem.hint, where: problem.at });
      }
      if (typeof obj.type !== 'string') return undefined;
      return { path: p, raw: obj, type: obj.type, name: typeof obj.name === 'string' ? obj.name : obj.type };
    };
    list.forEach((entry, i) => {
      const chain = Array.isArray(entry)
        ? entry.map((e, j) => one(e, ['post-processors', i, j]))
        : [one(entry, ['post-processors', i])];
      const decls = chain.filter((d): d is PostProcessorDecl => d !== undefined);
      for (const d of decls) this.checkBuildReferences([d.raw], d.path, buildNames, true);
      chains.push(decls);
    });
    return chains;
  }

  /** only/except/override in blocks must name existing builds. */
  private checkBuildReferences(blocks: unknown[], base: JsonPath, names: string[], single = false): void {
    blocks.forEach((block, i) => {
      if (!isObject(block)) return;
      const blockPath = single ? base : [...base, i];
      for (const key of ['only', 'except'] as const) {
        const list = block[key];
        if (!Array.isArray(list)) continue;
        list.forEach((name, j) => {
          if (typeof name === 'string' && !names.includes(name))
            this.report([...blockPath, key, j], {
              message: `"${key}" names build "${name}", but there is no such build`,
              hint: suggestion(name, names, 'a build name:'),
            });
        });
      }
      if (isObject(block.override)) {
        for (const name of Object.keys(block.override)) {
          if (!names.includes(name))
            this.report([...blockPath, 'override', name], {
              where: 'key',
              message: `"override" names build "${name}", but there is no such build`,
              hint: suggestion(name, names, 'a build name:'),
            });
        }
      }
    });
  }

  /** Applies -only/-except; a pattern that matches nothing is an error (Packer silently builds nothing). */
  private select(builders: BuilderDecl[], postProcessors: PostProcessorDecl[], selection: Selection): Set<string> {
    const names = builders.map((b) => b.name);
    for (const pattern of selection.only) {
      if (!names.some((n) => globMatch(pattern, n)))
        this.bag.add({
          path: '-only',
          message: `"${pattern}" matches no build`,
          hint: `builds in this template: ${names.join(', ')}`,
        });
    }
    for (const pattern of selection.except) {
      if (!names.some((n) => globMatch(pattern, n)) && !postProcessors.some((p) => globMatch(pattern, p.name)))
        this.bag.add({
          path: '-except',
          message: `"${pattern}" matches no build or post-processor`,
          hint: `builds in this template: ${names.join(', ')}`,
        });
    }
    const chosen = names.filter(
      (n) =>
        (selection.only.length === 0 || selection.only.some((p) => globMatch(p, n))) &&
        !selection.except.some((p) => globMatch(p, n)),
    );
    if (chosen.length === 0 && names.length > 0 && this.bag.errors.length === 0)
      this.bag.add({
        path: '-only/-except',
        message: 'together they select no build',
        hint: `builds in this template: ${names.join(', ')}`,
      });
    return new Set(chosen);
  }

  private noteMinVersion(): void {
    if (typeof this.root.min_packer_version === 'string') {
      this.report(['min_packer_version'], {
        severity: 'warning',
        message: `min_packer_version "${this.root.min_packer_version}" is accepted and ignored`,
        hint: 'boxwright reads Packer 1.6 JSON templates whatever version they ask for',
      });
    }
  }
}

/** True when a block's only/except let it run for `build`. */
export function appliesTo(block: Record<string, unknown>, build: string): boolean {
  if (Array.isArray(block.only) && !block.only.includes(build)) return false;
  if (Array.isArray(block.except) && block.except.includes(build)) return false;
  return true;
}

/** Matches Packer's -only/-except globs: * and ? wildcards, the rest literal. */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );
  return re.test(name);
}

/** The schema of one top-level option, if the plugin's schema names it. */
/** Literal strings in a list of numbers ("valid_exit_codes": ["0"]), which Packer 1.6 refuses; templated values are its weak decoding. */
function quotedNumbers(value: unknown, schema: Record<string, unknown> | undefined): string[] {
  const numeric = (t: unknown) => t === 'integer' || t === 'number';
  const literal = (v: unknown): v is string =>
    typeof v === 'string' && !v.includes('{{') && v.trim() !== '' && !Number.isNaN(Number(v));
  if (!schema) return [];
  const items = schema.items as Record<string, unknown> | undefined;
  if (schema.type === 'array' && items && numeric(items.type) && Array.isArray(value)) return value.filter(literal);
  return [];
}

function propertySchema(schema: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  return properties?.[key];
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', '']);

/**
 * Packer's weak decoding of a rendered string where the option wants another type: Go's
 * ParseBool words and "" for booleans, numbers from their text ("" is 0), and a list split
 * on commas. Anything else is left for the schema check to refuse.
 */
function weaklyTyped(value: unknown, schema: Record<string, unknown> | undefined): unknown {
  if (typeof value !== 'string' || !schema) return value;
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if (types.includes('string')) return value;
  if (types.includes('boolean')) {
    if (TRUE_WORDS.has(value)) return true;
    if (FALSE_WORDS.has(value)) return false;
  }
  if (types.includes('integer') || types.includes('number')) {
    if (value.trim() === '') return 0;
    if (!Number.isNaN(Number(value))) return Number(value);
  }
  if (types.includes('array')) return value === '' ? [] : value.split(',');
  return value;
}
