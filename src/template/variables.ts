import { isObject } from '../util/is-object.js';
import type { DiagnosticBag } from './diagnostics.js';
import { suggestion } from './diagnostics.js';
import type { FunctionScope } from './interpolate/functions.js';
import { TemplateError } from './interpolate/parse.js';
import { render } from './interpolate/render.js';
import { JsonSource } from './source.js';

/** The template's variables after defaults, -var-file and -var are applied (in that order). */
export interface Variables {
  values: ReadonlyMap<string, string>;
  /** Names listed in "sensitive-variables". */
  sensitive: ReadonlySet<string>;
  /** Declared names and whether they had no default (null). */
  declared: ReadonlyMap<string, { required: boolean; default: string | undefined }>;
}

export interface VariableInputs {
  /** -var-file paths, in command-line order. */
  varFiles: string[];
  /** -var NAME=VALUE strings, in command-line order. */
  vars: string[];
}

type BaseScope = Omit<FunctionScope, 'section' | 'userVariable' | 'variableNames' | 'buildName' | 'buildType'>;

/** Resolves variables with Packer's precedence: default < -var-file < -var. */
/** The late fields any option may take ({{ .HTTPIP }}, {{ .Name }}, {{ .Path }}, ...), kept in variable defaults for the option to fill. */
const LATE_FIELDS: ReadonlySet<string> = new Set([
  'HTTPIP',
  'HTTPPort',
  'Name',
  'Version',
  'Path',
  'Vars',
  'Image',
  'Script',
  'Command',
  'BuildName',
  'BuilderType',
  'Provider',
  'ArtifactId',
  'Host',
  'Port',
  'User',
  'Password',
  'ID',
  'SSHPublicKey',
  'SSHPrivateKey',
  'Flavor',
  'Sudo',
  'WinRMPassword',
  'ProvisionerDir',
  'StagingDirectory',
]);

export function resolveVariables(
  source: JsonSource,
  root: Record<string, unknown>,
  inputs: VariableInputs,
  base: BaseScope,
  bag: DiagnosticBag,
): Variables {
  const declaredRaw = isObject(root.variables) ? root.variables : {};
  const declared = new Map<string, { required: boolean; default: string | undefined }>();
  for (const [name, value] of Object.entries(declaredRaw)) {
    if (value === null) declared.set(name, { required: true, default: undefined });
    else if (['string', 'number', 'boolean'].includes(typeof value)) {
      declared.set(name, { required: false, default: String(value) });
      if (typeof value !== 'string')
        bag.add({
          ...source.locate(['variables', name]),
          path: `variables.${name}`,
          severity: 'warning',
          message: `the default of "${name}" is the ${typeof value} ${String(value)}: boxwright takes it as the string "${String(value)}", Packer 1.6 refuses the template`,
          hint: `write it as a string, "${String(value)}", for a template both accept`,
        });
    }
    // Other types are reported by the root schema.
  }

  const sensitive = new Set<string>();
  const sensitiveList = Array.isArray(root['sensitive-variables']) ? root['sensitive-variables'] : [];
  sensitiveList.forEach((name, i) => {
    if (typeof name !== 'string') return;
    if (!declared.has(name)) {
      bag.add({
        ...source.locate(['sensitive-variables', i]),
        path: `sensitive-variables[${i}]`,
        message: `"${name}" is listed as sensitive but is not declared in "variables"`,
        hint: declared.size
          ? suggestion(name, [...declared.keys()], 'a declared variable:')
          : 'declare it in "variables" first',
      });
    }
    sensitive.add(name);
  });

  const overrides = new Map<string, string>();
  for (const file of inputs.varFiles) {
    const varSource = JsonSource.read(file, bag);
    const value = varSource?.value();
    if (!varSource || value === undefined) continue;
    if (!isObject(value)) {
      bag.add({
        ...varSource.locate([]),
        message: 'a var-file must be a JSON object of variable names and values',
        hint: 'for example {"region": "eu-west-1"}',
      });
      continue;
    }
    for (const [name, v] of Object.entries(value)) {
      // Packer 1.6 takes null as "no value here".
      if (v === null) continue;
      if (!['string', 'number', 'boolean'].includes(typeof v)) {
        bag.add({
          ...varSource.locate([name]),
          path: name,
          message: `the value of "${name}" must be a string, number or boolean`,
          hint: 'variables hold text; write lists as a string and split them in the template',
        });
        continue;
      }
      if (!declared.has(name)) {
        // Packer 1.6 keeps values of undeclared variables and uses them; a var-file is often shared, so this only warns.
        bag.add({
          ...varSource.locate([name], 'key'),
          path: name,
          severity: 'warning',
          message: `variable "${name}" is not declared in the template; its value is used where the template names it, as in Packer 1.6`,
          hint: declared.size ? suggestion(name, [...declared.keys()], 'a declared variable:') : undefined,
        });
      }
      overrides.set(name, String(v));
    }
  }

  for (const assignment of inputs.vars) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) {
      bag.add({ path: '-var', message: `"${assignment}" is not NAME=VALUE`, hint: "write -var 'name=value'" });
      continue;
    }
    const name = assignment.slice(0, eq);
    if (!declared.has(name)) {
      // Packer 1.6 accepts it and uses it; a misspelt name is worth a warning with the nearest declared one.
      bag.add({
        path: '-var',
        severity: 'warning',
        message: `variable "${name}" is not declared in the template; its value is used where the template names it, as in Packer 1.6`,
        hint: declared.size
          ? suggestion(name, [...declared.keys()], 'a declared variable:')
          : 'declare it in the "variables" section',
      });
    }
    overrides.set(name, assignment.slice(eq + 1));
  }

  const values = new Map<string, string>();
  const resolving = new Set<string>();
  const resolve = (name: string): string | undefined => {
    if (values.has(name)) return values.get(name);
    if (overrides.has(name)) {
      values.set(name, overrides.get(name)!);
      return values.get(name);
    }
    const decl = declared.get(name);
    if (!decl || decl.default === undefined) return undefined;
    if (resolving.has(name))
      throw new TemplateError(
        `variable "${name}" refers to itself through {{user}}`,
        0,
        'break the cycle between the variable defaults',
      );
    resolving.add(name);
    try {
      const scope: FunctionScope = {
        ...base,
        section: 'variables',
        userVariable: (n) => resolve(n) ?? (declared.has(n) ? '' : undefined),
        variableNames: () => [...declared.keys()],
      };
      // A default may hold a field only the option it is used in fills ({{ .HTTPIP }} for boot_command): it stays as written until then.
      const rendered = render(decl.default, { scope, deferred: LATE_FIELDS });
      values.set(name, rendered);
      return rendered;
    } finally {
      resolving.delete(name);
    }
  };

  for (const [name, decl] of declared) {
    try {
      const value = resolve(name);
      if (value === undefined && decl.required) {
        bag.add({
          ...source.locate(['variables', name], 'key'),
          path: `variables.${name}`,
          message: `required variable "${name}" has no value`,
          hint: `pass -var '${name}=...' or set it in a -var-file`,
        });
      }
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      bag.add({
        ...source.locate(['variables', name], 'value', err.offset),
        path: `variables.${name}`,
        message: err.message,
        hint: err.hint,
      });
    }
  }
  for (const [name, value] of overrides) if (!declared.has(name)) values.set(name, value);
  return { values, sensitive, declared };
}

/** The values to hide in every output. */
export function sensitiveValues(vars: Variables): string[] {
  return [...vars.sensitive].map((n) => vars.values.get(n)).filter((v): v is string => Boolean(v));
}
