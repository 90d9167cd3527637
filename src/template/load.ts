import path from 'node:path';
import type { Redactor } from '../core/redact.js';
import { DiagnosticBag, type Diagnostic } from './diagnostics.js';
import { Planner, type PlanEnvironment, type PlannedBuild, type Selection } from './plan.js';
import { rootSchema } from './root-schema.js';
import { isObject } from '../util/is-object.js';
import { checkSchema } from './schema.js';
import { formatPath, JsonSource, type TemplateSource } from './source.js';
import { isHclTemplate, loadHclTemplate } from './hcl/load.js';
import { isWeakSecret } from '../core/redact.js';
import { resolveVariables, sensitiveValues, type VariableInputs, type Variables } from './variables.js';

export interface ParsedTemplate {
  source: JsonSource;
  root: Record<string, unknown>;
}

export interface LoadRequest extends VariableInputs, Selection, PlanEnvironment {
  templatePath: string;
  /** Receives sensitive values as soon as they are known, so even error messages are redacted. */
  redactor: Redactor;
}

export interface LoadedTemplate {
  source: TemplateSource;
  root: Record<string, unknown>;
  variables: Variables;
  builds: PlannedBuild[];
  /** Warnings worth printing before a build (ignored options, undeclared var-file keys). */
  warnings: Diagnostic[];
}

/** Reads a template and checks its top level (syntax, known sections, shapes). */
export function parseTemplate(templatePath: string, bag: DiagnosticBag): ParsedTemplate | undefined {
  const source = JsonSource.read(templatePath, bag);
  if (!source || bag.errors.length) return undefined;
  const root = source.value();
  if (!isObject(root)) {
    bag.add({
      ...source.locate([]),
      message: 'a template must be a JSON object',
      hint: 'start with {"builders": [...]}',
    });
    return undefined;
  }
  for (const problem of checkSchema(rootSchema, root)) {
    bag.add({
      ...source.locate(problem.path, problem.at),
      path: formatPath(problem.path),
      message: problem.message,
      hint: topLevelHint(problem.path, problem.message) ?? problem.hint,
    });
  }
  return { source, root };
}

/** Parses, validates, resolves variables and plans the selected builds, reporting every problem at once. */
export function loadTemplate(request: LoadRequest): LoadedTemplate {
  if (isHclTemplate(request.templatePath, request.cwd)) return loadHcl2Template(request);
  const bag = new DiagnosticBag();
  const parsed = parseTemplate(request.templatePath, bag);
  if (!parsed) {
    bag.throwIfErrors();
    throw new Error('unreachable: a template that failed to parse produced no diagnostics');
  }
  const templateDir = path.dirname(path.resolve(request.cwd, request.templatePath));
  const variables = resolveVariables(
    parsed.source,
    parsed.root,
    request,
    { env: (n) => request.env[n] ?? '', initTime: request.initTime, templateDir, pwd: request.cwd },
    bag,
  );
  request.redactor.add(...sensitiveValues(variables));
  for (const name of variables.sensitive) {
    const value = variables.values.get(name);
    if (value && isWeakSecret(value)) {
      bag.add({
        ...parsed.source.locate(['variables', name], 'key'),
        path: `variables.${name}`,
        severity: 'warning',
        message: `the value of the sensitive variable "${name}" is short or a plain word, so it is hidden only where it stands alone, not inside paths or names`,
        hint: 'use a longer, random secret; this one is easy to guess',
      });
    }
  }
  const planner = new Planner(parsed.source, parsed.root, variables, request, bag);
  const builds = planner.plan({ only: request.only, except: request.except });
  bag.throwIfErrors();
  return { ...parsed, variables, builds, warnings: bag.warnings };
}

/** An HCL2 template: evaluated into a template's shape, then planned as a JSON one is. */
function loadHcl2Template(request: LoadRequest): LoadedTemplate {
  const bag = new DiagnosticBag();
  const hcl = loadHclTemplate(request, bag);
  if (!hcl) {
    bag.throwIfErrors();
    throw new Error('unreachable: an HCL2 template that failed to load produced no diagnostics');
  }
  request.redactor.add(...hcl.secrets);
  const planner = new Planner(hcl.source, hcl.root, hcl.variables, request, bag);
  const builds = planner.plan({ only: request.only, except: request.except });
  bag.throwIfErrors();
  return { source: hcl.source, root: hcl.root, variables: hcl.variables, builds, warnings: bag.warnings };
}

function topLevelHint(path: (string | number)[], message: string): string | undefined {
  if (path.length === 1 && path[0] === 'push' && message.startsWith('unknown option'))
    return 'Packer removed "push" in 1.4; boxwright does not support it';
  return undefined;
}
