import path from 'node:path';
import { suggestion } from '../diagnostics.js';
import type { Variables } from '../variables.js';
import type { Expr, Range } from './ast.js';
import { HclEvalError, isMap, type EvalContext, type HclFunction, type HclValue } from './evaluate.js';
import { blocksOf, type ParsedFile } from './files.js';
import { hclFunctions } from './functions.js';
import { PACKER_VERSION } from './packer-block.js';
import type { HclReporter } from './report.js';
import { convert, readVarFile, typeConstraint, valueFromText, type HclVariable, type Where } from './variables.js';

/** What the template's values come from: the command line, the environment, the run. */
export interface HclInputRequest {
  cwd: string;
  env: Record<string, string | undefined>;
  varFiles: string[];
  vars: string[];
  initTime: Date;
  /** For inspect: a variable without a value is null, not an error. */
  valuesOptional?: boolean;
}

/** The template's variables and locals, resolved; and the scope expressions are evaluated in. */
export class HclInputs {
  private readonly variables = new Map<string, HclVariable>();
  private readonly locals = new Map<string, HclValue>();
  private readonly sensitiveLocals = new Set<string>();
  /** The function tables, without env() and with it (variable defaults); made once, used for every expression. */
  private readonly functionTables = new Map<boolean, Record<string, HclFunction>>();

  constructor(
    private readonly request: HclInputRequest,
    private readonly files: ParsedFile[],
    private readonly autoVarFiles: string[],
    private readonly templateDir: string,
    private readonly reporter: HclReporter,
  ) {}

  private functions(envAllowed: boolean): Record<string, HclFunction> {
    let table = this.functionTables.get(envAllowed);
    if (!table) {
      const { cwd, initTime: now, env } = this.request;
      table = hclFunctions({ cwd, now, env, envAllowed });
      this.functionTables.set(envAllowed, table);
    }
    return table;
  }

  /** Declares, assigns and checks the variables, then evaluates the locals. */
  resolve(): void {
    this.declareVariables();
    this.assignVariables();
    this.checkVariables();
    this.evaluateLocals();
  }

  /** The variables as the planner and the CLI see them, and the values to hide. */
  summary(): { variables: Variables; secrets: string[] } {
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
    return { variables: { values, sensitive, declared }, secrets };
  }

  context(extra: Record<string, HclValue> = {}, envAllowed = false): EvalContext {
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
            'build.* is known only in the provisioner and post-processor blocks of a build',
            'a source block cannot read the machine it makes; move this to a provisioner',
          );
        throw new HclEvalError(at, `"${name}" is not defined here`, suggestion(name, Object.keys(roots), 'one of'));
      },
      rootNames: () => Object.keys(roots),
      functions: this.functions(envAllowed),
    };
  }

  private declareVariables(): void {
    for (const { file, block } of blocksOf(this.files, 'variable')) {
      if (block.labels.length !== 1) {
        this.reporter.error(
          file,
          block.typeRange,
          'a variable block needs one label, its name',
          'write variable "name" { ... }',
        );
        continue;
      }
      const name = block.labels[0]!.value;
      if (this.variables.has(name)) {
        this.reporter.error(
          file,
          block.labels[0]!.range,
          `the variable "${name}" is declared twice`,
          'remove one of the two',
        );
        continue;
      }
      const attrs = this.reporter.attributes(
        file,
        block.body,
        ['type', 'default', 'description', 'sensitive', 'nullable'],
        ['validation'],
      );
      const type = attrs.type ? typeConstraint(attrs.type.expr, file, this.reporter.bag) : { kind: 'any' as const };
      let value: HclValue | undefined;
      if (attrs.default) {
        const raw = this.reporter.eval(attrs.default.expr, file, this.context({}, true));
        if (raw !== undefined)
          value = this.convertAt(raw, type, attrs.default.expr.range, file, `the default of "${name}"`);
      }
      const sensitive = attrs.sensitive
        ? this.reporter.eval(attrs.sensitive.expr, file, this.context()) === true
        : false;
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
    for (const { file, block } of blocksOf(this.files, 'variables'))
      for (const attribute of block.body.attributes) {
        const value = this.reporter.eval(attribute.expr, file, this.context({}, true));
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
      this.reporter.error(file, err.range, err.message, err.hint);
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
          this.reporter.report(
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
        this.reporter.report('path' in where ? where : { file: where.file, range: err.range }, err.message, err.hint);
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
      for (const { name, value, range } of readVarFile(file, this.reporter.bag, plain)) {
        const type = this.variables.get(name)?.type ?? { kind: 'any' };
        set(name, () => convert(value, type, range, `"${name}"`), { file: shown, range }, 'warn');
      }
    }
    for (const assignment of this.request.vars) {
      const at = assignment.indexOf('=');
      if (at < 1) {
        this.reporter.report({ path: '-var' }, `"${assignment}" is not NAME=VALUE`, "write -var 'name=value'");
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
        this.reporter.error(
          variable.file,
          variable.block.labels[0]?.range ?? variable.block.typeRange,
          `the variable "${variable.name}" has no value`,
          `give it a default, or set it with -var ${variable.name}=VALUE, a -var-file or PKR_VAR_${variable.name}`,
        );
        continue;
      }
      for (const validation of variable.block.body.blocks.filter((b) => b.type === 'validation')) {
        const attrs = this.reporter.attributes(variable.file, validation.body, ['condition', 'error_message'], []);
        if (!attrs.condition || !attrs.error_message) {
          this.reporter.error(
            variable.file,
            validation.typeRange,
            'a validation needs "condition" and "error_message"',
          );
          continue;
        }
        const ctx = this.context({ var: { [variable.name]: variable.value } });
        const holds = this.reporter.eval(attrs.condition.expr, variable.file, ctx);
        if (holds === false) {
          const message = this.reporter.eval(attrs.error_message.expr, variable.file, ctx);
          this.reporter.report(
            variable.setAt ?? { file: variable.file, range: attrs.condition.expr.range },
            `invalid value for "${variable.name}": ${String(message)}`,
            `the validation is at ${variable.file}:${attrs.condition.expr.range.start.line}`,
          );
        } else if (holds !== true && holds !== undefined)
          this.reporter.error(
            variable.file,
            attrs.condition.expr.range,
            'a validation condition must be true or false',
          );
      }
    }
  }

  /** Evaluates locals in the order their references need, reporting cycles. */
  private evaluateLocals(): void {
    const definitions = new Map<string, { file: string; expr: Expr; range: Range; sensitive: boolean }>();
    const define = (file: string, name: string, expr: Expr, range: Range, sensitive: boolean) => {
      if (definitions.has(name))
        this.reporter.error(file, range, `the local "${name}" is defined twice`, 'remove one of the two');
      else definitions.set(name, { file, expr, range, sensitive });
    };
    for (const { file, block } of blocksOf(this.files, 'locals'))
      for (const attribute of block.body.attributes)
        define(file, attribute.name, attribute.expr, attribute.nameRange, false);
    for (const { file, block } of blocksOf(this.files, 'local')) {
      const attrs = this.reporter.attributes(file, block.body, ['expression', 'sensitive'], []);
      const name = block.labels[0]?.value;
      if (!name || !attrs.expression) {
        this.reporter.error(file, block.typeRange, 'a local block needs a name label and an "expression"');
        continue;
      }
      const sensitive = attrs.sensitive
        ? this.reporter.eval(attrs.sensitive.expr, file, this.context()) === true
        : false;
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
        this.reporter.error(
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
      const value = ready ? this.reporter.eval(definition.expr, definition.file, this.context()) : undefined;
      state.set(name, value === undefined ? 'failed' : 'done');
      if (value !== undefined) this.locals.set(name, value);
      if (definition.sensitive) this.sensitiveLocals.add(name);
      return value !== undefined;
    };
    for (const name of definitions.keys()) visit(name, []);
  }
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
