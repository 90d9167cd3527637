import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PluginKind } from '../../core/plugin.js';
import { suggestion, type DiagnosticBag } from '../diagnostics.js';
import type { PluginRegistry } from '../registry.js';
import type { Variables } from '../variables.js';
import { HclSyntaxError, type Attribute, type Block, type Body, type Expr, type Range } from './ast.js';
import { evaluate, HclEvalError, isMap, type EvalContext, type HclValue } from './evaluate.js';
import { hclFunctions } from './functions.js';
import { parseHclJson } from './json-syntax.js';
import { parseHcl } from './parse.js';
import { HclSource } from './source.js';
import { convert, readVarFile, typeConstraint, valueFromText, type HclVariable, type Where } from './variables.js';

/** True when `templatePath` names HCL2: a .pkr.hcl or .pkr.json file, or a directory of them. */
export function isHclTemplate(templatePath: string, cwd: string): boolean {
  if (/\.pkr\.(hcl|json)$/i.test(templatePath)) return true;
  return statSync(path.resolve(cwd, templatePath), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

export interface HclLoadRequest {
  templatePath: string;
  cwd: string;
  env: Record<string, string | undefined>;
  varFiles: string[];
  vars: string[];
  initTime: Date;
  registry: PluginRegistry;
  /** For inspect: a variable without a value is null, not an error. */
  valuesOptional?: boolean;
}

export interface HclTemplate {
  source: HclSource;
  root: Record<string, unknown>;
  variables: Variables;
  /** The values of sensitive variables and locals, for the redactor. */
  secrets: string[];
}

interface ParsedFile {
  file: string;
  body: Body;
}

const TOP_LEVEL = ['packer', 'variable', 'variables', 'locals', 'local', 'source', 'build'];
/** The version of Packer whose HCL2 boxwright reads; packer.version gives it. */
const PACKER_VERSION = '1.7.0';

/**
 * Reads HCL2 templates as Packer does and describes them as a JSON template: each build's
 * sources become builders named TYPE.NAME, its provisioners and post-processors run only on
 * them. Values are evaluated here; late fields ({{ .HTTPIP }}) are left for the build.
 */
export function loadHclTemplate(request: HclLoadRequest, bag: DiagnosticBag): HclTemplate | undefined {
  const files = parseHclFiles(request.templatePath, request.cwd, bag);
  if (!files) return undefined;
  return new HclLoader(request, files.parsed, files.autoVarFiles, files.templateDir, bag).load();
}

/** Reads and parses the template's HCL files (and finds its *.auto.pkrvars files); syntax errors go into `bag`. */
export function parseHclFiles(
  templatePath: string,
  cwd: string,
  bag: DiagnosticBag,
): { parsed: ParsedFile[]; autoVarFiles: string[]; templateDir: string } | undefined {
  const target = path.resolve(cwd, templatePath);
  const info = statSync(target, { throwIfNoEntry: false });
  if (!info) {
    bag.add({ file: templatePath, line: 1, column: 1, message: 'no such file', hint: 'check the path' });
    return undefined;
  }
  const inDirectory = (pattern: RegExp) =>
    info.isDirectory()
      ? readdirSync(target)
          .filter((f) => pattern.test(f))
          .sort()
          .map((f) => path.join(target, f))
      : [];
  const files = info.isDirectory() ? inDirectory(/\.pkr\.(hcl|json)$/) : [target];
  if (!files.length) {
    bag.add({
      file: templatePath,
      line: 1,
      column: 1,
      message: 'this directory holds no *.pkr.hcl or *.pkr.json file',
      hint: 'name a template file, or a directory of *.pkr.hcl files',
    });
    return undefined;
  }
  const parsed: ParsedFile[] = [];
  for (const file of files) {
    const shown = path.relative(cwd, file) || file;
    try {
      const text = readFileSync(file, 'utf8');
      parsed.push({ file: shown, body: file.endsWith('.json') ? parseHclJson(text) : parseHcl(text) });
    } catch (err) {
      if (!(err instanceof HclSyntaxError)) throw err;
      bag.add({ file: shown, line: err.pos.line, column: err.pos.column, message: err.message, hint: err.hint });
    }
  }
  if (bag.errors.length) return undefined;
  // As Packer: a single file is read alone; a directory brings its *.auto.pkrvars files.
  const autoVarFiles = inDirectory(/\.auto\.pkrvars\.(hcl|json)$/);
  return { parsed, autoVarFiles, templateDir: info.isDirectory() ? target : path.dirname(target) };
}

class HclLoader {
  private readonly variables = new Map<string, HclVariable>();
  private readonly locals = new Map<string, HclValue>();
  private readonly sensitiveLocals = new Set<string>();
  private readonly source: HclSource;
  private readonly root: Record<string, unknown> = { builders: [], provisioners: [], 'post-processors': [] };

  constructor(
    private readonly request: HclLoadRequest,
    private readonly files: ParsedFile[],
    private readonly autoVarFiles: string[],
    private readonly templateDir: string,
    private readonly bag: DiagnosticBag,
  ) {
    this.source = new HclSource(request.templatePath, templateDir, this.root);
  }

  load(): HclTemplate | undefined {
    for (const { file, body } of this.files) {
      for (const attribute of body.attributes)
        this.error(
          file,
          attribute.nameRange,
          `unexpected attribute "${attribute.name}" at the top level`,
          'top-level settings go in blocks: variable, locals, source, build',
        );
      for (const block of body.blocks)
        if (!TOP_LEVEL.includes(block.type))
          this.error(
            file,
            block.typeRange,
            block.type === 'data'
              ? 'data sources are not supported by boxwright yet'
              : `unknown block type "${block.type}"`,
            block.type === 'data'
              ? 'compute the value in a local instead'
              : suggestion(block.type, TOP_LEVEL, 'one of'),
          );
    }
    // Packer's settings block: accepted as written; boxwright installs no plugins and reads any version.
    for (const { file, block } of this.blocksOf('packer'))
      this.attributes(file, block.body, ['required_version'], ['required_plugins']);
    this.declareVariables();
    this.assignVariables();
    this.checkVariables();
    this.evaluateLocals();
    if (this.bag.errors.length) return undefined;
    this.builds();
    if (this.bag.errors.length) return undefined;
    const values = new Map<string, string>();
    const declared = new Map<string, { required: boolean; default: string | undefined }>();
    const secrets: string[] = [];
    const text = (value: HclValue | undefined) =>
      value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    for (const v of this.variables.values()) {
      values.set(v.name, text(v.value));
      const hasDefault = v.default !== undefined;
      declared.set(v.name, { required: !hasDefault, default: hasDefault ? text(v.default) : undefined });
      if (v.sensitive) secrets.push(...secretStrings(v.value));
    }
    for (const name of this.sensitiveLocals) secrets.push(...secretStrings(this.locals.get(name)));
    const sensitive = new Set([...this.variables.values()].filter((v) => v.sensitive).map((v) => v.name));
    return { source: this.source, root: this.root, variables: { values, sensitive, declared }, secrets };
  }

  // --- reporting ---------------------------------------------------------------

  private error(file: string, range: Range, message: string, hint?: string): void {
    this.report({ file, range }, message, hint);
  }

  private warn(file: string, range: Range, message: string, hint?: string): void {
    this.report({ file, range }, message, hint, 'warning');
  }

  private report(where: Where, message: string, hint?: string, severity: 'error' | 'warning' = 'error'): void {
    const at =
      'path' in where
        ? { path: where.path }
        : { file: where.file, line: where.range.start.line, column: where.range.start.column };
    this.bag.add({ ...at, severity, message, hint });
  }

  /** Evaluates, turning an evaluation error into a located diagnostic (undefined then). */
  private eval(expr: Expr, file: string, ctx: EvalContext): HclValue | undefined {
    try {
      return evaluate(expr, ctx);
    } catch (err) {
      if (!(err instanceof HclEvalError)) throw err;
      this.error(file, err.range, err.message, err.hint);
      return undefined;
    }
  }

  private context(extra: Record<string, HclValue> = {}, envAllowed = false): EvalContext {
    const roots: Record<string, HclValue> = {
      var: Object.fromEntries([...this.variables].map(([name, v]) => [name, v.value ?? null])),
      local: Object.fromEntries(this.locals),
      path: { root: this.templateDir, cwd: this.request.cwd },
      packer: { version: PACKER_VERSION },
      ...extra,
    };
    return {
      lookup: (name, at) => {
        if (name in roots) return roots[name]!;
        if (name === 'build')
          throw new HclEvalError(
            at,
            'build.* is not supported by boxwright yet',
            'use the late fields of the option instead, such as {{ .Host }}',
          );
        throw new HclEvalError(at, `"${name}" is not defined here`, suggestion(name, Object.keys(roots), 'one of'));
      },
      rootNames: () => Object.keys(roots),
      functions: hclFunctions({ cwd: this.request.cwd, now: this.request.initTime, env: this.request.env, envAllowed }),
    };
  }

  private blocksOf(type: string): { file: string; block: Block }[] {
    return this.files.flatMap(({ file, body }) =>
      body.blocks.filter((b) => b.type === type).map((block) => ({ file, block })),
    );
  }

  // --- variables ---------------------------------------------------------------

  private declareVariables(): void {
    for (const { file, block } of this.blocksOf('variable')) {
      if (block.labels.length !== 1) {
        this.error(
          file,
          block.typeRange,
          'a variable block needs one label, its name',
          'write variable "name" { ... }',
        );
        continue;
      }
      const name = block.labels[0]!.value;
      if (this.variables.has(name)) {
        this.error(file, block.labels[0]!.range, `the variable "${name}" is declared twice`, 'remove one of the two');
        continue;
      }
      const attrs = this.attributes(
        file,
        block.body,
        ['type', 'default', 'description', 'sensitive', 'nullable'],
        ['validation'],
      );
      const type = attrs.type ? typeConstraint(attrs.type.expr, file, this.bag) : { kind: 'any' as const };
      let value: HclValue | undefined;
      if (attrs.default) {
        const raw = this.eval(attrs.default.expr, file, this.context({}, true));
        if (raw !== undefined)
          value = this.convertAt(raw, type, attrs.default.expr.range, file, `the default of "${name}"`);
      }
      const sensitive = attrs.sensitive ? this.eval(attrs.sensitive.expr, file, this.context()) === true : false;
      this.variables.set(name, {
        name,
        file,
        block,
        type,
        sensitive,
        value,
        default: value,
        setAt: attrs.default ? { file, range: attrs.default.expr.range } : undefined,
      });
    }
    // Packer's older form: variables { name = default }.
    for (const { file, block } of this.blocksOf('variables'))
      for (const attribute of block.body.attributes) {
        const value = this.eval(attribute.expr, file, this.context({}, true));
        this.variables.set(attribute.name, {
          name: attribute.name,
          file,
          block,
          type: { kind: 'any' },
          sensitive: false,
          value,
          default: value,
          setAt: { file, range: attribute.expr.range },
        });
      }
  }

  private convertAt(
    value: HclValue,
    type: HclVariable['type'],
    at: Range,
    file: string,
    what: string,
  ): HclValue | undefined {
    try {
      return convert(value, type, at, what);
    } catch (err) {
      if (!(err instanceof HclEvalError)) throw err;
      this.error(file, err.range, err.message, err.hint);
      return undefined;
    }
  }

  /** Packer's precedence: default < PKR_VAR_* < *.auto.pkrvars.* < -var-file < -var. */
  private assignVariables(): void {
    const plain = this.context();
    const set = (name: string, value: () => HclValue, where: Where, undeclared: 'warn' | 'error' | 'skip') => {
      const variable = this.variables.get(name);
      if (!variable) {
        if (undeclared !== 'skip')
          this.report(
            where,
            `a value is given for "${name}", which the template does not declare`,
            suggestion(name, [...this.variables.keys()], 'one of'),
            undeclared === 'error' ? 'error' : 'warning',
          );
        return;
      }
      try {
        variable.value = value();
        variable.setAt = where;
      } catch (err) {
        if (!(err instanceof HclEvalError)) throw err;
        // A value from the command line has no file to point into.
        this.report('path' in where ? where : { file: where.file, range: err.range }, err.message, err.hint);
      }
    };
    const commandLine: Range = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };
    for (const [key, text] of Object.entries(this.request.env)) {
      if (!key.startsWith('PKR_VAR_') || text === undefined) continue;
      const name = key.slice('PKR_VAR_'.length);
      const type = this.variables.get(name)?.type ?? { kind: 'any' };
      set(name, () => valueFromText(text, type, commandLine, key, plain), { path: key }, 'skip');
    }
    for (const file of [...this.autoVarFiles, ...this.request.varFiles.map((f) => path.resolve(this.request.cwd, f))]) {
      const shown = path.relative(this.request.cwd, file) || file;
      for (const { name, value, range } of readVarFile(file, this.bag, plain)) {
        const type = this.variables.get(name)?.type ?? { kind: 'any' };
        set(name, () => convert(value, type, range, `"${name}"`), { file: shown, range }, 'warn');
      }
    }
    for (const assignment of this.request.vars) {
      const at = assignment.indexOf('=');
      if (at < 1) {
        this.report({ path: '-var' }, `"${assignment}" is not NAME=VALUE`, "write -var 'name=value'");
        continue;
      }
      const name = assignment.slice(0, at);
      const type = this.variables.get(name)?.type ?? { kind: 'any' };
      const where = { path: `-var ${name}` };
      set(
        name,
        () => valueFromText(assignment.slice(at + 1), type, commandLine, `the value of ${name}`, plain),
        where,
        'error',
      );
    }
  }

  /** Every variable has a value, and each validation holds. */
  private checkVariables(): void {
    for (const variable of this.variables.values()) {
      if (variable.value === undefined && this.request.valuesOptional) continue;
      if (variable.value === undefined) {
        this.error(
          variable.file,
          variable.block.labels[0]?.range ?? variable.block.typeRange,
          `the variable "${variable.name}" has no value`,
          `give it a default, or set it with -var ${variable.name}=VALUE, a -var-file or PKR_VAR_${variable.name}`,
        );
        continue;
      }
      for (const validation of variable.block.body.blocks.filter((b) => b.type === 'validation')) {
        const attrs = this.attributes(variable.file, validation.body, ['condition', 'error_message'], []);
        if (!attrs.condition || !attrs.error_message) {
          this.error(variable.file, validation.typeRange, 'a validation needs "condition" and "error_message"');
          continue;
        }
        const ctx = this.context({ var: { [variable.name]: variable.value } });
        const holds = this.eval(attrs.condition.expr, variable.file, ctx);
        if (holds === false) {
          const message = this.eval(attrs.error_message.expr, variable.file, ctx);
          this.report(
            variable.setAt ?? { file: variable.file, range: attrs.condition.expr.range },
            `invalid value for "${variable.name}": ${String(message)}`,
            `the validation is at ${variable.file}:${attrs.condition.expr.range.start.line}`,
          );
        } else if (holds !== true && holds !== undefined)
          this.error(variable.file, attrs.condition.expr.range, 'a validation condition must be true or false');
      }
    }
  }

  // --- locals --------------------------------------------------------------------

  /** Evaluates locals in the order their references need, reporting cycles. */
  private evaluateLocals(): void {
    const definitions = new Map<string, { file: string; expr: Expr; range: Range; sensitive: boolean }>();
    const define = (file: string, name: string, expr: Expr, range: Range, sensitive: boolean) => {
      if (definitions.has(name))
        this.error(file, range, `the local "${name}" is defined twice`, 'remove one of the two');
      else definitions.set(name, { file, expr, range, sensitive });
    };
    for (const { file, block } of this.blocksOf('locals'))
      for (const attribute of block.body.attributes)
        define(file, attribute.name, attribute.expr, attribute.nameRange, false);
    for (const { file, block } of this.blocksOf('local')) {
      const attrs = this.attributes(file, block.body, ['expression', 'sensitive'], []);
      const name = block.labels[0]?.value;
      if (!name || !attrs.expression) {
        this.error(file, block.typeRange, 'a local block needs a name label and an "expression"');
        continue;
      }
      const sensitive = attrs.sensitive ? this.eval(attrs.sensitive.expr, file, this.context()) === true : false;
      define(file, name, attrs.expression.expr, block.labels[0]!.range, sensitive);
    }
    const state = new Map<string, 'doing' | 'done' | 'failed'>();
    /** Evaluates a local after what it needs; false when it has no value (a cycle, an error). */
    const visit = (name: string, chain: string[]): boolean => {
      const definition = definitions.get(name)!;
      if (state.get(name) === 'done') return true;
      if (state.get(name) === 'failed') return false;
      if (state.get(name) === 'doing') {
        const cycle = [...chain.slice(chain.indexOf(name)), name].map((n) => `local.${n}`).join(' → ');
        this.error(
          definition.file,
          definition.range,
          `the locals refer to each other in a cycle: ${cycle}`,
          'break the cycle: a local cannot depend on itself',
        );
        return false;
      }
      state.set(name, 'doing');
      let ready = true;
      for (const dependency of localReferences(definition.expr))
        if (definitions.has(dependency) && !visit(dependency, [...chain, name])) ready = false;
      const value = ready ? this.eval(definition.expr, definition.file, this.context()) : undefined;
      state.set(name, value === undefined ? 'failed' : 'done');
      if (value !== undefined) this.locals.set(name, value);
      if (definition.sensitive) this.sensitiveLocals.add(name);
      return value !== undefined;
    };
    for (const name of definitions.keys()) visit(name, []);
  }

  // --- builds ----------------------------------------------------------------------

  private builds(): void {
    const sources = new Map<string, { file: string; block: Block }>();
    for (const { file, block } of this.blocksOf('source')) {
      if (block.labels.length !== 2) {
        this.error(
          file,
          block.typeRange,
          'a source block needs two labels: the builder type and a name',
          'write source "qemu" "debian" { ... }',
        );
        continue;
      }
      const key = `${block.labels[0]!.value}.${block.labels[1]!.value}`;
      if (sources.has(key)) this.error(file, block.labels[1]!.range, `the source "${key}" is declared twice`);
      else sources.set(key, { file, block });
    }
    const builds = this.blocksOf('build');
    if (!builds.length) {
      const first = this.files[0]!;
      this.error(
        first.file,
        first.body.range,
        'the template has no build block',
        'add build { sources = ["source.TYPE.NAME"] }',
      );
      return;
    }
    const used = new Map<string, number>();
    builds.forEach(({ file, block }, buildIndex) => {
      const attrs = this.attributes(
        file,
        block.body,
        ['name', 'description', 'sources'],
        ['source', 'provisioner', 'error-cleanup-provisioner', 'post-processor', 'post-processors'],
      );
      const buildName = attrs.name ? String(this.eval(attrs.name.expr, file, this.context()) ?? '') : '';
      const names: string[] = [];
      const addSource = (ref: string, at: Range, override?: Block) => {
        const key = ref.replace(/^source\./, '');
        const declared = sources.get(key);
        if (!declared) {
          this.error(
            file,
            at,
            `there is no source "${ref}"`,
            suggestion(
              key,
              [...sources.keys()].map((k) => `source.${k}`),
              'one of',
            ),
          );
          return;
        }
        const [type, sourceName] = key.split(/\.(.*)/s) as [string, string];
        const builderIndex = (this.root.builders as unknown[]).length;
        // An override may rename the source; source.name in either body is that name.
        const rename = override?.body.attributes.find((a) => a.name === 'name');
        const renamed = rename ? this.eval(rename.expr, file, this.context()) : undefined;
        const name = typeof renamed === 'string' ? renamed : sourceName;
        const roots = { source: { type, name } };
        const path = ['builders', builderIndex];
        const options = this.pluginBody(declared.file, declared.block.body, 'builder', type, path, roots);
        if (override) {
          const extra = this.pluginBody(file, override.body, 'builder', type, path, roots);
          delete extra.name;
          Object.assign(options, extra);
        }
        let builderName = `${type}.${name}`;
        if (used.has(builderName)) builderName = `${buildName || `build${buildIndex + 1}`}.${builderName}`;
        used.set(builderName, builderIndex);
        (this.root.builders as unknown[]).push({ ...options, type, name: builderName });
        this.source.place(['builders', builderIndex], {
          file: declared.file,
          key: declared.block.typeRange,
          value: declared.block.labels[0]!.range,
        });
        this.source.place(['builders', builderIndex, 'type'], {
          file: declared.file,
          key: declared.block.labels[0]!.range,
          value: declared.block.labels[0]!.range,
        });
        names.push(builderName);
        this.sourceOf.set(builderName, { type, name });
        this.source.label(['builders', builderIndex], `source.${type}.${name}`);
        this.source.sourceNames.set(builderName, name);
        // The name the template's only/except and override use: TYPE.NAME of the source.
        this.aliases.set(`${type}.${name}`, [...(this.aliases.get(`${type}.${name}`) ?? []), builderName]);
      };
      if (attrs.sources) {
        const list = this.eval(attrs.sources.expr, file, this.context());
        if (Array.isArray(list)) {
          list.forEach((ref, i) => {
            const at =
              attrs.sources!.expr.kind === 'tuple'
                ? (attrs.sources!.expr.items[i]?.range ?? attrs.sources!.expr.range)
                : attrs.sources!.expr.range;
            if (typeof ref === 'string') addSource(ref, at);
            else this.error(file, at, 'a source is named by a string such as "source.qemu.debian"');
          });
        } else if (list !== undefined)
          this.error(file, attrs.sources.expr.range, '"sources" must be a list of source names');
      }
      for (const inner of block.body.blocks.filter((b) => b.type === 'source')) {
        const ref = inner.labels[0];
        if (!ref)
          this.error(
            file,
            inner.typeRange,
            'a source block in a build names the source it uses',
            'write source "source.TYPE.NAME" { ... }',
          );
        else addSource(ref.value, ref.range, inner);
      }
      if (!names.length) {
        const named = attrs.sources || block.body.blocks.some((b) => b.type === 'source');
        if (!named)
          this.error(file, block.typeRange, 'this build uses no source', 'add sources = ["source.TYPE.NAME"]');
        return;
      }
      if (attrs.description && this.root.description === undefined)
        this.root.description = this.eval(attrs.description.expr, file, this.context());
      for (const inner of block.body.blocks) {
        if (inner.type === 'provisioner' || inner.type === 'error-cleanup-provisioner') {
          const type = inner.labels[0]?.value;
          if (!type) {
            this.error(
              file,
              inner.typeRange,
              `a ${inner.type} block needs its type as a label`,
              `write ${inner.type} "shell" { ... }`,
            );
            continue;
          }
          if (inner.type === 'error-cleanup-provisioner') {
            if (this.root['error-cleanup-provisioner']) {
              this.error(file, inner.typeRange, 'only one error-cleanup-provisioner is supported by boxwright yet');
              continue;
            }
            const options = this.pluginBody(file, inner.body, 'provisioner', type, ['error-cleanup-provisioner']);
            this.root['error-cleanup-provisioner'] = { ...options, type };
            this.source.label(['error-cleanup-provisioner'], `error-cleanup-provisioner "${type}"`);
            continue;
          }
          for (const group of this.perSource(inner, this.scope(names, file, inner))) {
            const index = (this.root.provisioners as unknown[]).length;
            const at = ['provisioners', index];
            const options = this.pluginBody(file, inner.body, 'provisioner', type, at, group.roots);
            (this.root.provisioners as unknown[]).push({ ...options, type, only: group.only });
            this.source.label(at, `provisioner "${type}"`);
            this.source.place(at, { file, key: inner.typeRange, value: inner.labels[0]!.range });
            this.source.place([...at, 'type'], { file, key: inner.labels[0]!.range, value: inner.labels[0]!.range });
          }
        } else if (inner.type === 'post-processor' || inner.type === 'post-processors') {
          const steps =
            inner.type === 'post-processor' ? [inner] : inner.body.blocks.filter((b) => b.type === 'post-processor');
          if (inner.type === 'post-processors')
            for (const other of inner.body.blocks.filter((b) => b.type !== 'post-processor'))
              this.error(
                file,
                other.typeRange,
                `a post-processors block holds post-processor blocks, not "${other.type}"`,
              );
          for (const group of this.perSource(inner, names)) {
            const chainIndex = (this.root['post-processors'] as unknown[]).length;
            const chain = steps.flatMap((step, i) => {
              const type = step.labels[0]?.value;
              if (!type) {
                this.error(
                  file,
                  step.typeRange,
                  'a post-processor block needs its type as a label',
                  'write post-processor "vagrant" { ... }',
                );
                return [];
              }
              const at = ['post-processors', chainIndex, i];
              const options = this.pluginBody(file, step.body, 'post-processor', type, at, group.roots);
              this.source.place(at, { file, key: step.typeRange, value: step.labels[0]!.range });
              this.source.label(at, `post-processor "${type}"`);
              this.source.place([...at, 'type'], { file, key: step.labels[0]!.range, value: step.labels[0]!.range });
              const only = this.scope(group.only, file, step);
              return [{ ...options, type, only }];
            });
            if (chain.length) (this.root['post-processors'] as unknown[]).push(chain);
          }
        }
      }
    });
  }

  /** TYPE.NAME of each source, and the builders made of it (one per build that uses it). */
  private readonly aliases = new Map<string, string[]>();

  /** The builders a provisioner or post-processor of a build block runs for: its sources, less only/except. */
  private scope(names: string[], file: string, block: Block): string[] {
    const resolve = (key: 'only' | 'except') => {
      const attribute = block.body.attributes.find((a) => a.name === key);
      if (!attribute) return undefined;
      const list = this.eval(attribute.expr, file, this.context());
      if (!Array.isArray(list)) {
        if (list !== undefined)
          this.error(file, attribute.expr.range, `"${key}" must be a list of source names such as "qemu.debian"`);
        return [];
      }
      return list.flatMap((ref) => {
        const resolved = this.aliases.get(String(ref).replace(/^source\./, ''));
        if (!resolved)
          this.warn(
            file,
            attribute.expr.range,
            `"${key}" names "${String(ref)}", which is not a source of this build`,
            suggestion(String(ref), [...this.aliases.keys()], 'one of'),
          );
        return resolved ?? [];
      });
    };
    const only = resolve('only');
    const except = resolve('except') ?? [];
    return names.filter((n) => (!only || only.includes(n)) && !except.includes(n));
  }

  /**
   * The groups of builders a block is evaluated for, each with its source.* values: one group
   * for all when the block does not use source.*, else one per builder (Packer evaluates per source).
   */
  private perSource(block: Block, builders: string[]): { only: string[]; roots: Record<string, HclValue> }[] {
    if (!mentions(block.body, 'source')) return [{ only: builders, roots: { source: { name: '', type: '' } } }];
    return builders.map((b) => ({ only: [b], roots: { source: this.sourceOf.get(b)! } }));
  }

  /** Each builder's source: its type and name, for source.type and source.name. */
  private readonly sourceOf = new Map<string, { type: string; name: string }>();

  /**
   * A plugin's options from a block body: attributes evaluated, nested blocks as objects (or
   * lists of objects where the plugin's schema takes a list), each placed in the source.
   */
  private pluginBody(
    file: string,
    body: Body,
    kind: PluginKind,
    type: string,
    at: (string | number)[],
    roots: Record<string, HclValue> = {},
  ): Record<string, unknown> {
    const plugin =
      kind === 'builder'
        ? this.request.registry.builder(type)
        : kind === 'provisioner'
          ? this.request.registry.provisioner(type)
          : this.request.registry.postProcessor(type);
    const schema = (plugin?.schema ?? {}) as { properties?: Record<string, { type?: unknown }> };
    return this.body(file, body, schema, at, roots);
  }

  private body(
    file: string,
    body: Body,
    schema: { properties?: Record<string, { type?: unknown; items?: unknown }> },
    at: (string | number)[],
    roots: Record<string, HclValue> = {},
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const ctx = this.context(roots);
    for (const attribute of body.attributes) {
      // A build's provisioners and post-processors: only and except were read with the block.
      if (roots.source && (attribute.name === 'only' || attribute.name === 'except')) continue;
      const value = this.eval(attribute.expr, file, ctx);
      if (value === undefined) continue;
      // Packer's null leaves an option unset.
      if (value !== null) out[attribute.name] = value;
      this.placeValue(file, attribute, [...at, attribute.name]);
    }
    // A dynamic block stands for one block per item of for_each, its content evaluated with the iterator.
    const expanded = body.blocks.flatMap((block) =>
      block.type === 'dynamic' ? this.expandDynamic(file, block, roots) : [{ block, body: block.body, roots }],
    );
    for (const { block, body: content, roots: blockRoots } of expanded) {
      const type = block.type === 'dynamic' ? block.labels[0]!.value : block.type;
      const property = schema.properties?.[type];
      const asList = property?.type === 'array';
      const itemSchema = (asList ? property?.items : property) as
        { properties?: Record<string, { type?: unknown }> } | undefined;
      if (asList) {
        const list = (out[type] ??= []) as unknown[];
        const path = [...at, type, list.length];
        list.push(this.body(file, content, itemSchema ?? {}, path, blockRoots));
        this.source.place(path, { file, key: block.typeRange, value: block.typeRange });
        this.source.place([...at, type], { file, key: block.typeRange, value: block.typeRange });
      } else {
        if (type in out) {
          this.error(file, block.typeRange, `"${type}" is given twice`, 'keep one block');
          continue;
        }
        out[type] = this.body(file, content, itemSchema ?? {}, [...at, type], blockRoots);
        this.source.place([...at, type], { file, key: block.typeRange, value: block.typeRange });
      }
    }
    return out;
  }

  /** The blocks a `dynamic "NAME" { for_each, iterator, content }` block stands for. */
  private expandDynamic(
    file: string,
    block: Block,
    roots: Record<string, HclValue>,
  ): { block: Block; body: Body; roots: Record<string, HclValue> }[] {
    const name = block.labels[0]?.value;
    const attrs = this.attributes(file, block.body, ['for_each', 'iterator', 'labels'], ['content']);
    const content = block.body.blocks.find((b) => b.type === 'content');
    if (!name || !attrs.for_each || !content) {
      this.error(
        file,
        block.typeRange,
        'a dynamic block needs the block type as its label, "for_each" and a "content" block',
        'write dynamic "NAME" { for_each = LIST; content { ... } }',
      );
      return [];
    }
    const iterator = attrs.iterator?.expr.kind === 'variable' ? attrs.iterator.expr.name : name;
    const collection = this.eval(attrs.for_each.expr, file, this.context(roots));
    if (collection === undefined) return [];
    const items: [HclValue, HclValue][] = Array.isArray(collection)
      ? collection.map((v, i) => [i, v])
      : isMap(collection)
        ? Object.entries(collection)
        : [];
    if (!Array.isArray(collection) && !isMap(collection)) {
      this.error(file, attrs.for_each.expr.range, '"for_each" must be a list or a map');
      return [];
    }
    return items.map(([key, value]) => ({
      block,
      body: content.body,
      roots: { ...roots, [iterator]: { key, value } },
    }));
  }

  private placeValue(file: string, attribute: Attribute, at: (string | number)[]): void {
    this.source.place(at, { file, key: attribute.nameRange, value: attribute.expr.range });
    this.placeNested(file, attribute.expr, at);
  }

  /** The items of list and object literals, at every depth, for errors inside a value. */
  private placeNested(file: string, expr: Expr, at: (string | number)[]): void {
    if (expr.kind === 'tuple')
      expr.items.forEach((item, i) => {
        this.source.place([...at, i], { file, key: item.range, value: item.range });
        this.placeNested(file, item, [...at, i]);
      });
    if (expr.kind === 'object')
      for (const item of expr.items) {
        const key =
          item.key.kind === 'literal'
            ? item.key.value
            : item.key.kind === 'template' && item.key.parts.length === 1 && 'text' in item.key.parts[0]!
              ? item.key.parts[0].text
              : undefined;
        if (typeof key !== 'string') continue;
        this.source.place([...at, key], { file, key: item.key.range, value: item.value.range });
        this.placeNested(file, item.value, [...at, key]);
      }
  }

  /** The attributes of a block that has a fixed set, reporting unknown attributes and blocks. */
  private attributes(file: string, body: Body, allowed: string[], blocks: string[]): Record<string, Attribute> {
    const out: Record<string, Attribute> = {};
    for (const attribute of body.attributes) {
      if (!allowed.includes(attribute.name)) {
        this.error(
          file,
          attribute.nameRange,
          `unknown attribute "${attribute.name}"`,
          suggestion(attribute.name, allowed, 'one of'),
        );
        continue;
      }
      if (attribute.name in out) this.error(file, attribute.nameRange, `"${attribute.name}" is set twice`);
      out[attribute.name] = attribute;
    }
    for (const block of body.blocks)
      if (!blocks.includes(block.type))
        this.error(
          file,
          block.typeRange,
          `unexpected block "${block.type}" here`,
          blocks.length ? suggestion(block.type, blocks, 'one of') : undefined,
        );
    return out;
  }
}

/** True when an expression anywhere in `body` uses the root name `root` (source.name, build.ID). */
function mentions(body: Body, root: string): boolean {
  let found = false;
  const walk = (value: unknown): void => {
    if (found || !value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(walk);
    const e = value as Expr;
    if (e.kind === 'variable' && e.name === root) found = true;
    for (const [key, child] of Object.entries(value)) if (key !== 'range' && key !== 'nameRange') walk(child);
  };
  walk(body);
  return found;
}

/** The names of the locals an expression refers to (local.NAME). */
function localReferences(expr: Expr): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const e = value as Expr;
      if (e.kind === 'getattr' && e.object.kind === 'variable' && e.object.name === 'local') found.push(e.name);
      for (const [key, child] of Object.entries(value)) if (key !== 'range' && key !== 'nameRange') walk(child);
    }
  };
  walk(expr);
  return found;
}

function secretStrings(value: HclValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(secretStrings);
  if (isMap(value)) return Object.values(value).flatMap(secretStrings);
  return String(value) ? [String(value)] : [];
}
