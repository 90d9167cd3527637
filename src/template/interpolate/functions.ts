import { randomUUID } from 'node:crypto';
import { formatGoTime } from './go-time.js';

export type Value = string | number | boolean;
type ParamType = 'string' | 'int';

/** What a template function may see; filled by whoever renders. */
export interface FunctionScope {
  /** Where the string is: the variables section allows env, the rest does not. */
  section: 'variables' | 'template';
  userVariable(name: string): string | undefined;
  /** Names of declared variables, for hints. */
  variableNames(): string[];
  env(name: string): string;
  /** The start of this `boxwright build` run: one value for {{timestamp}} and {{isotime}}. */
  initTime: Date;
  templateDir: string;
  pwd: string;
  buildName?: string;
  buildType?: string;
  /** Reports something Packer accepts but a user should hear of, where the action is; absent, such things are errors. */
  warn?(message: string, hint: string | undefined, offset: number): void;
}

export interface TemplateFunction {
  params: ParamType[];
  /** How many trailing params may be left out. */
  optional?: number;
  call(scope: FunctionScope, args: Value[], warn?: (message: string, hint?: string) => void): Value;
}

/** Thrown by a function call; the renderer adds the location. */
export class FunctionError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Packer's clean_resource_name: lower case, separators to dashes, the rest dropped, at most 63 chars. */
export function cleanResourceName(name: string): string {
  const dashed = name.toLowerCase().replace(/[_./ :]/g, '-');
  return dashed.replace(/[^a-z0-9-]/g, '').slice(0, 63);
}

/** Go's strings.Replace with a count; n < 0 replaces all. */
function replaceN(src: string, oldStr: string, newStr: string, n: number): string {
  const limit = n < 0 ? Infinity : n;
  if (oldStr === '') {
    // Go inserts the replacement before each character and at the end.
    const chars = [...src];
    let out = '';
    for (let i = 0; i <= chars.length; i++) {
      if (i < limit) out += newStr;
      out += chars[i] ?? '';
    }
    return out;
  }
  const parts = src.split(oldStr);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) out += (i <= limit ? newStr : oldStr) + parts[i];
  return out;
}

export const FUNCTIONS: Record<string, TemplateFunction> = {
  user: {
    params: ['string'],
    call(scope, [name], warn) {
      const value = scope.userVariable(String(name));
      if (value === undefined) {
        const names = scope.variableNames();
        const hint = names.length
          ? `declare it in "variables", or use one of: ${names.join(', ')}`
          : 'declare it in the "variables" section of the template';
        if (!warn) throw new FunctionError(`user variable "${name}" is not declared`, hint);
        // Packer 1.6 renders a variable it does not know as nothing, and builds.
        warn(`user variable "${name}" is not declared: it is rendered as an empty string, as Packer 1.6 does`, hint);
        return '';
      }
      return value;
    },
  },
  env: {
    params: ['string'],
    call(scope, [name]) {
      if (scope.section !== 'variables')
        throw new FunctionError(
          'env may only be used in the default value of a variable',
          'declare a variable whose default is {{env `NAME`}} and use {{user `variable`}} here',
        );
      return scope.env(String(name));
    },
  },
  timestamp: { params: [], call: (scope) => String(Math.floor(scope.initTime.getTime() / 1000)) },
  uuid: { params: [], call: () => randomUUID() },
  isotime: {
    params: ['string'],
    optional: 1,
    call: (scope, [layout]) =>
      layout === undefined
        ? formatGoTime(scope.initTime, '2006-01-02T15:04:05Z07:00')
        : formatGoTime(scope.initTime, String(layout)),
  },
  build_name: {
    params: [],
    call(scope) {
      if (scope.buildName === undefined)
        throw new FunctionError('build_name is only known inside a builder, provisioner or post-processor');
      return scope.buildName;
    },
  },
  build_type: {
    params: [],
    call(scope) {
      if (scope.buildType === undefined)
        throw new FunctionError('build_type is only known inside a builder, provisioner or post-processor');
      return scope.buildType;
    },
  },
  template_dir: { params: [], call: (scope) => scope.templateDir },
  pwd: { params: [], call: (scope) => scope.pwd },
  lower: { params: ['string'], call: (_s, [v]) => String(v).toLowerCase() },
  upper: { params: ['string'], call: (_s, [v]) => String(v).toUpperCase() },
  split: {
    params: ['string', 'string', 'int'],
    call(_s, [text, sep, index]) {
      const parts = String(text).split(String(sep));
      const i = Number(index);
      if (i < 0 || i >= parts.length)
        throw new FunctionError(
          `split: index ${i} is out of range; "${sep}" splits the text into ${parts.length} part(s)`,
          `use an index from 0 to ${parts.length - 1}`,
        );
      return parts[i]!;
    },
  },
  replace: {
    params: ['string', 'string', 'int', 'string'],
    call: (_s, [oldStr, newStr, n, src]) => replaceN(String(src), String(oldStr), String(newStr), Number(n)),
  },
  replace_all: {
    params: ['string', 'string', 'string'],
    call: (_s, [oldStr, newStr, src]) => String(src).split(String(oldStr)).join(String(newStr)),
  },
  clean_resource_name: { params: ['string'], call: (_s, [v]) => cleanResourceName(String(v)) },
};

/** Checks an argument against a parameter type, as Go's template engine does (no silent conversion). */
export function checkArgument(fn: string, index: number, type: ParamType, value: Value): string | undefined {
  if (type === 'int' && !(typeof value === 'number' && Number.isInteger(value)))
    return `${fn}: argument ${index + 1} must be a whole number, not ${describe(value)}`;
  if (type === 'string' && typeof value !== 'string')
    return `${fn}: argument ${index + 1} must be a string, not ${describe(value)}`;
  return undefined;
}

function describe(v: Value): string {
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `the ${typeof v} ${String(v)}`;
}
