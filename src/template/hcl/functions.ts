import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { globMatcher } from '../../util/glob.js';
import { cleanResourceName } from '../interpolate/functions.js';
import { DAYS, MONTHS } from '../interpolate/go-time.js';
import type { Range } from './ast.js';
import {
  asBool,
  asList,
  asNumber,
  asString,
  HclEvalError,
  isMap,
  renderTemplate,
  typeName,
  type EvalContext,
  type HclFunction,
  type HclValue,
} from './evaluate.js';
import { parseTemplateText } from './parse.js';

/** What the file system functions need: where relative paths start, and when the run began. */
export interface FunctionEnvironment {
  cwd: string;
  now: Date;
  env: Record<string, string | undefined>;
  /** env() is Packer's only in variable defaults. */
  envAllowed: boolean;
}

type Fn = HclFunction;
const fn = (min: number, max: number | undefined, call: HclFunction['call']): Fn => ({ min, max, call });
const str1 = (f: (s: string) => HclValue): Fn => fn(1, 1, ([s], at) => f(asString(s!, at)));
const mapOf = (v: HclValue, at: Range, what = 'the argument') => {
  if (!isMap(v)) throw new HclEvalError(at, `${what} is a ${typeName(v)}, where an object is needed`);
  return v;
};
const hash = (algorithm: string) => str1((s) => createHash(algorithm).update(s).digest('hex'));

/** The functions of Packer's HCL2 that boxwright has; another is a located error naming it. */
export function hclFunctions(environment: FunctionEnvironment): Record<string, HclFunction> {
  const resolve = (p: string) => path.resolve(environment.cwd, p);
  const functions: Record<string, HclFunction> = {
    // numbers
    abs: fn(1, 1, ([n], at) => Math.abs(asNumber(n!, at))),
    ceil: fn(1, 1, ([n], at) => Math.ceil(asNumber(n!, at))),
    floor: fn(1, 1, ([n], at) => Math.floor(asNumber(n!, at))),
    max: fn(1, undefined, (args, at) => Math.max(...args.map((a) => asNumber(a, at)))),
    min: fn(1, undefined, (args, at) => Math.min(...args.map((a) => asNumber(a, at)))),
    parseint: fn(2, 2, ([s, base], at) => {
      const n = parseInt(asString(s!, at), asNumber(base!, at));
      if (Number.isNaN(n)) throw new HclEvalError(at, `cannot parse ${JSON.stringify(s)} as a number`);
      return n;
    }),
    // strings
    chomp: str1((s) => s.replace(/(\r?\n)+$/, '')),
    // Packer's JSON function, kept so that hcl2_upgrade can carry it over.
    clean_resource_name: str1(cleanResourceName),
    format: fn(1, undefined, ([f, ...args], at) => format(asString(f!, at), args, at)),
    formatlist: fn(1, undefined, ([f, ...args], at) => {
      const lists = args.filter(Array.isArray) as HclValue[][];
      const n = lists.length ? lists[0]!.length : 1;
      return Array.from({ length: n }, (_, i) =>
        format(
          asString(f!, at),
          args.map((a) => (Array.isArray(a) ? a[i]! : a)),
          at,
        ),
      );
    }),
    indent: fn(2, 2, ([n, s], at) => asString(s!, at).replace(/\n/g, `\n${' '.repeat(asNumber(n!, at))}`)),
    join: fn(2, undefined, ([sep, ...lists], at) =>
      lists
        .flatMap((l) => asList(l!, at))
        .map((v) => asString(v, at))
        .join(asString(sep!, at)),
    ),
    lower: str1((s) => s.toLowerCase()),
    upper: str1((s) => s.toUpperCase()),
    title: str1((s) => s.replace(/\b\w/g, (c) => c.toUpperCase())),
    strrev: str1((s) => [...s].reverse().join('')),
    trimspace: str1((s) => s.trim()),
    split: fn(2, 2, ([sep, s], at) => asString(s!, at).split(asString(sep!, at))),
    replace: fn(3, 3, ([s, search, by], at) => {
      const text = asString(s!, at);
      const find = asString(search!, at);
      const replacement = asString(by!, at);
      const re = /^\/(.*)\/$/.exec(find);
      return re
        ? text.replace(new RegExp(re[1]!, 'g'), goReplacement(replacement))
        : text.split(find).join(replacement);
    }),
    regex_replace: fn(3, 3, ([s, re, by], at) =>
      asString(s!, at).replace(new RegExp(asString(re!, at), 'g'), goReplacement(asString(by!, at))),
    ),
    regex: fn(2, 2, ([re, s], at) => {
      const m = new RegExp(asString(re!, at)).exec(asString(s!, at));
      if (!m) throw new HclEvalError(at, 'the pattern did not match', 'use can(regex(...)) to test a match');
      if (m.groups) return { ...m.groups } as HclValue;
      return m.length > 1 ? m.slice(1).map((g) => g ?? null) : m[0];
    }),
    substr: fn(3, 3, ([s, offset, length], at) => {
      const chars = [...asString(s!, at)];
      let start = asNumber(offset!, at);
      if (start < 0) start += chars.length;
      const n = asNumber(length!, at);
      return chars.slice(start, n < 0 ? undefined : start + n).join('');
    }),
    trim: fn(2, 2, ([s, cut], at) => {
      const set = new Set(asString(cut!, at));
      const chars = [...asString(s!, at)];
      let a = 0;
      let b = chars.length;
      while (a < b && set.has(chars[a]!)) a++;
      while (b > a && set.has(chars[b - 1]!)) b--;
      return chars.slice(a, b).join('');
    }),
    trimprefix: fn(2, 2, ([s, p], at) => {
      const text = asString(s!, at);
      const prefix = asString(p!, at);
      return text.startsWith(prefix) ? text.slice(prefix.length) : text;
    }),
    trimsuffix: fn(2, 2, ([s, p], at) => {
      const text = asString(s!, at);
      const suffix = asString(p!, at);
      return suffix && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
    }),
    // collections
    concat: fn(1, undefined, (lists, at) => lists.flatMap((l) => asList(l, at))),
    contains: fn(2, 2, ([l, v], at) => asList(l!, at).some((x) => JSON.stringify(x) === JSON.stringify(v))),
    distinct: fn(1, 1, ([l], at) => {
      const seen = new Set<string>();
      return asList(l!, at).filter((x) => !seen.has(JSON.stringify(x)) && seen.add(JSON.stringify(x)));
    }),
    element: fn(2, 2, ([l, i], at) => {
      const list = asList(l!, at);
      if (!list.length) throw new HclEvalError(at, 'element() of an empty list');
      return list[asNumber(i!, at) % list.length]!;
    }),
    flatten: fn(1, 1, ([l], at) => {
      const flat = (v: HclValue[]): HclValue[] => v.flatMap((x) => (Array.isArray(x) ? flat(x) : [x]));
      return flat(asList(l!, at));
    }),
    keys: fn(1, 1, ([m], at) => Object.keys(mapOf(m!, at)).sort()),
    values: fn(1, 1, ([m], at) => {
      const map = mapOf(m!, at);
      return Object.keys(map)
        .sort()
        .map((k) => map[k]!);
    }),
    length: fn(1, 1, ([v], at) => {
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isMap(v)) return Object.keys(v).length;
      throw new HclEvalError(at, `length() takes a string, a list or an object, not ${typeName(v!)}`);
    }),
    lookup: fn(2, 3, ([m, k, fallback], at) => {
      const map = mapOf(m!, at);
      const key = asString(k!, at);
      if (key in map) return map[key]!;
      if (fallback === undefined) throw new HclEvalError(at, `the object has no key "${key}" and no default was given`);
      return fallback;
    }),
    merge: fn(0, undefined, (maps, at) => Object.assign({}, ...maps.map((m) => (m === null ? {} : mapOf(m, at))))),
    reverse: fn(1, 1, ([l], at) => [...asList(l!, at)].reverse()),
    slice: fn(3, 3, ([l, a, b], at) => asList(l!, at).slice(asNumber(a!, at), asNumber(b!, at))),
    sort: fn(1, 1, ([l], at) =>
      asList(l!, at)
        .map((v) => asString(v, at))
        .sort(),
    ),
    zipmap: fn(2, 2, ([k, v], at) => {
      const keys = asList(k!, at);
      const values = asList(v!, at);
      return Object.fromEntries(keys.map((key, i) => [asString(key, at), values[i] ?? null]));
    }),
    coalesce: fn(1, undefined, (args) => args.find((a) => a !== null && a !== '') ?? null),
    compact: fn(1, 1, ([l], at) => asList(l!, at).filter((v) => v !== null && v !== '')),
    index: fn(2, 2, ([l, v], at) => {
      const i = asList(l!, at).findIndex((x) => JSON.stringify(x) === JSON.stringify(v));
      if (i < 0) throw new HclEvalError(at, 'the value is not in the list');
      return i;
    }),
    range: fn(1, 3, (args, at) => {
      const n = args.map((a) => asNumber(a, at));
      const [start, end, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? (n[0]! <= n[1]! ? 1 : -1)];
      const out: number[] = [];
      for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
      return out;
    }),
    // encoding
    base64encode: str1((s) => Buffer.from(s).toString('base64')),
    base64decode: str1((s) => Buffer.from(s, 'base64').toString('utf8')),
    jsonencode: fn(1, 1, ([v]) => JSON.stringify(v)),
    jsondecode: fn(1, 1, ([s], at) => {
      try {
        return JSON.parse(asString(s!, at)) as HclValue;
      } catch (err) {
        throw new HclEvalError(at, `jsondecode: ${(err as Error).message}`);
      }
    }),
    urlencode: str1((s) => encodeURIComponent(s)),
    yamlencode: fn(1, 1, ([v]) => yaml(v!, 0)),
    // file system
    abspath: str1((s) => resolve(s)),
    basename: str1((s) => path.basename(s)),
    dirname: str1((s) => path.dirname(s)),
    pathexpand: str1((s) => (s.startsWith('~') ? path.join(homedir(), s.slice(1)) : s)),
    file: fn(1, 1, ([p], at) => readText(resolve(asString(p!, at)), at)),
    fileexists: fn(1, 1, ([p], at) => existsSync(resolve(asString(p!, at)))),
    fileset: fn(2, 2, ([dir, pattern], at) => {
      const base = resolve(asString(dir!, at));
      const matches = globMatcher(asString(pattern!, at));
      const entries = existsSync(base) ? readdirSync(base, { recursive: true, withFileTypes: true }) : [];
      return entries
        .filter((e) => e.isFile())
        .map((e) =>
          path
            .relative(base, path.join(e.parentPath ?? e.path, e.name))
            .split(path.sep)
            .join('/'),
        )
        .filter(matches)
        .sort();
    }),
    templatefile: fn(2, 2, ([p, vars], at) => {
      const file = resolve(asString(p!, at));
      const parts = parseTemplateText(readText(file, at));
      const scope = new Map(Object.entries(mapOf(vars!, at, 'the variables')));
      const ctx: EvalContext = {
        lookup: (name, where) => {
          throw new HclEvalError(where, `"${name}" is not one of the variables given to templatefile() for ${file}`);
        },
        rootNames: () => [...scope.keys()],
        functions,
      };
      return asString(renderTemplate(parts, ctx, scope), at, 'the rendered template');
    }),
    // time and ids
    timestamp: fn(0, 0, () => environment.now.toISOString().replace(/\.\d{3}Z$/, 'Z')),
    formatdate: fn(2, 2, ([f, t], at) => formatDate(asString(f!, at), asString(t!, at), at)),
    uuidv4: fn(0, 0, () => randomUUID()),
    // hashes
    md5: hash('md5'),
    sha1: hash('sha1'),
    sha256: hash('sha256'),
    sha512: hash('sha512'),
    // types
    tostring: fn(1, 1, ([v], at) => (v === null ? null : asString(v!, at))),
    tonumber: fn(1, 1, ([v], at) => (v === null ? null : asNumber(v!, at))),
    tobool: fn(1, 1, ([v], at) => (v === null ? null : asBool(v!, at))),
    tolist: fn(1, 1, ([v], at) => asList(v!, at)),
    toset: fn(1, 1, ([v], at) => [...new Map(asList(v!, at).map((x) => [JSON.stringify(x), x])).values()]),
    tomap: fn(1, 1, ([v], at) => mapOf(v!, at)),
    env: fn(1, 1, ([name], at) => {
      if (!environment.envAllowed)
        throw new HclEvalError(
          at,
          'env() can be used only in the default of a variable, as in Packer',
          'declare a variable with default = env("NAME") and use var.NAME',
        );
      return environment.env[asString(name!, at)] ?? '';
    }),
  };
  return functions;
}

function readText(file: string, at: Range): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new HclEvalError(at, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Go's $1 and ${name} in replacements, as JavaScript's $1 and $<name>. */
function goReplacement(s: string): string {
  return s.replace(/\$\{(\w+)\}/g, (_m, name: string) => (/^\d+$/.test(name) ? `$${name}` : `$<${name}>`));
}

/** Go's fmt verbs that templates use: %s %d %f %v %q %t %%, with widths and precision. */
function format(f: string, args: HclValue[], at: Range): string {
  let next = 0;
  return f.replace(
    /%([-0 +]*)(\d+)?(?:\.(\d+))?([sdfvqtx%])/g,
    (_m, flags: string, width?: string, precision?: string, verb?: string) => {
      if (verb === '%') return '%';
      if (next >= args.length) throw new HclEvalError(at, `format: not enough arguments for "${f}"`);
      const v = args[next++]!;
      let out: string;
      switch (verb) {
        case 'd':
          out = String(Math.trunc(asNumber(v, at)));
          break;
        case 'f':
          out = asNumber(v, at).toFixed(precision ? Number(precision) : 6);
          break;
        case 'q':
          out = JSON.stringify(asString(v, at));
          break;
        case 't':
          out = String(asBool(v, at));
          break;
        case 'x':
          out = typeof v === 'number' ? v.toString(16) : Buffer.from(asString(v, at)).toString('hex');
          break;
        default:
          out = typeof v === 'string' ? v : JSON.stringify(v);
      }
      const w = width ? Number(width) : 0;
      if (out.length < w) out = flags.includes('-') ? out.padEnd(w) : out.padStart(w, flags.includes('0') ? '0' : ' ');
      return out;
    },
  );
}

/** Terraform's formatdate spec (YYYY MM DD hh mm ss, names, 'literal'), in UTC. */
function formatDate(spec: string, time: string, at: Range): string {
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) throw new HclEvalError(at, `formatdate: "${time}" is not an RFC 3339 time`);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const months = MONTHS;
  const days = DAYS;
  const tokens: Record<string, () => string> = {
    YYYY: () => pad(d.getUTCFullYear(), 4),
    YY: () => pad(d.getUTCFullYear() % 100),
    MMMM: () => months[d.getUTCMonth()]!,
    MMM: () => months[d.getUTCMonth()]!.slice(0, 3),
    MM: () => pad(d.getUTCMonth() + 1),
    M: () => String(d.getUTCMonth() + 1),
    DD: () => pad(d.getUTCDate()),
    D: () => String(d.getUTCDate()),
    EEEE: () => days[d.getUTCDay()]!,
    EEE: () => days[d.getUTCDay()]!.slice(0, 3),
    hh: () => pad(d.getUTCHours()),
    h: () => String(d.getUTCHours()),
    mm: () => pad(d.getUTCMinutes()),
    m: () => String(d.getUTCMinutes()),
    ss: () => pad(d.getUTCSeconds()),
    s: () => String(d.getUTCSeconds()),
    ZZZZZ: () => '+00:00',
    ZZZZ: () => '+0000',
    ZZZ: () => 'UTC',
    Z: () => 'Z',
  };
  return spec.replace(/'[^']*'|YYYY|YY|MMMM|MMM|MM|M|DD|D|EEEE|EEE|hh|h|mm|m|ss|s|ZZZZZ|ZZZZ|ZZZ|Z/g, (t) =>
    t.startsWith("'") ? t.slice(1, -1) : tokens[t]!(),
  );
}

function yaml(v: HclValue, depth: number): string {
  const pad = '  '.repeat(depth);
  if (Array.isArray(v))
    return v.length ? v.map((x) => `${pad}- ${yaml(x, depth + 1).trimStart()}`).join('') : `${pad}[]\n`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    if (!keys.length) return `${pad}{}\n`;
    return keys
      .map((k) => {
        const x = v[k]!;
        const nested = (Array.isArray(x) && x.length) || (isMap(x) && Object.keys(x).length);
        return nested
          ? `${pad}${JSON.stringify(k)}:\n${yaml(x, depth + 1)}`
          : `${pad}${JSON.stringify(k)}: ${yaml(x, 0).trim()}\n`;
      })
      .join('');
  }
  return `${pad}${v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v)}\n`;
}
