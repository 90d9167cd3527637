import type { PluginRegistry } from '../registry.js';
import { parseTemplate, TemplateError, type Operand, type Pipeline } from '../interpolate/parse.js';
import { isObject } from '../../util/is-object.js';

/** An HCL2 template written from a JSON one, and what could not be carried over. */
export interface Upgrade {
  text: string;
  notes: string[];
}

type Schema = { type?: unknown; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown };

/** The Go layout tokens of isotime, as formatdate spells them. */
const GO_LAYOUT: [string, string][] = [
  ['2006', 'YYYY'],
  ['January', 'MMMM'],
  ['Jan', 'MMM'],
  ['Monday', 'EEEE'],
  ['Mon', 'EEE'],
  ['MST', 'ZZZ'],
  ['01', 'MM'],
  ['02', 'DD'],
  ['15', 'hh'],
  ['04', 'mm'],
  ['05', 'ss'],
  ['06', 'YY'],
];

/**
 * Writes a Packer JSON template as HCL2, as `packer hcl2_upgrade` does: variables become
 * variable blocks, builders sources, and one build block runs the provisioners and
 * post-processors on them. Go template actions become HCL expressions where HCL has one.
 */
export function upgradeToHcl(root: Record<string, unknown>, registry: PluginRegistry): Upgrade {
  const notes: string[] = [];
  const out: string[] = [];
  const envVariables = new Map<string, string>();
  let usesTimestamp = false;
  const builders = (Array.isArray(root.builders) ? root.builders : []).filter(isObject);
  // JSON names a build by the builder's name; HCL2 by TYPE.NAME.
  const sourceName = new Map<string, string>();
  for (const b of builders) {
    const name = typeof b.name === 'string' ? b.name : String(b.type);
    sourceName.set(name, `${String(b.type)}.${name}`);
  }

  /** A JSON string as an HCL string expression. */
  const str = (text: string, where: string, inVariableDefault = false): string => {
    let segments;
    try {
      segments = parseTemplate(text);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      notes.push(`${where}: kept as text, its template does not parse: ${err.message}`);
      return quote(text);
    }
    let body = '';
    for (const segment of segments) {
      if (segment.kind === 'text') body += escape(segment.text);
      else if (segment.kind === 'action' && segment.pipeline) {
        const expr = action(segment.pipeline, segment.source, where, inVariableDefault);
        body += expr === undefined ? escape(segment.source) : `\${${expr}}`;
      } else if (segment.kind !== 'action') {
        notes.push(`${where}: {{if}} is kept as text; write it as a conditional (c ? a : b)`);
        body += escape(segment.source);
      }
    }
    return `"${body}"`;
  };

  /** An action as an HCL expression; undefined to keep it as text (a late field such as {{ .HTTPIP }}). */
  const action = (
    pipeline: Pipeline,
    source: string,
    where: string,
    inVariableDefault: boolean,
  ): string | undefined => {
    // a | f b is f(b, a): each command takes the one before as its last argument.
    let previous: string | undefined;
    for (const [i, { operands }] of pipeline.entries()) {
      const [head, ...rest] = operands;
      if (head?.kind === 'field' && pipeline.length === 1) return undefined;
      if (head?.kind !== 'ident') {
        notes.push(`${where}: ${source} is kept as text`);
        return undefined;
      }
      const args = rest.map((o) => operand(o, where));
      if (i > 0) args.push(previous!);
      previous = command(head.name, rest, args, source, where, inVariableDefault);
      if (previous === undefined) return undefined;
    }
    return previous;
  };

  /** One template function call as HCL: `args` are its arguments already written as HCL. */
  const command = (
    name: string,
    raw: Operand[],
    args: string[],
    source: string,
    where: string,
    inVariableDefault: boolean,
  ): string | undefined => {
    const literal = raw[0]?.kind === 'string' ? raw[0].value : undefined;
    switch (name) {
      case 'user':
        return literal !== undefined ? `var.${literal}` : undefined;
      case 'env': {
        if (literal === undefined) return undefined;
        if (inVariableDefault) return `env(${quote(literal)})`;
        // HCL2 reads the environment only in variable defaults: a variable carries it.
        const variable = `env_${literal.replace(/[^A-Za-z0-9_]/g, '_')}`;
        envVariables.set(variable, literal);
        return `var.${variable}`;
      }
      case 'timestamp':
        usesTimestamp = true;
        return 'local.timestamp';
      case 'uuid':
        return 'uuidv4()';
      case 'template_dir':
        return 'path.root';
      case 'pwd':
        return 'path.cwd';
      case 'build_name':
        return 'source.name';
      case 'build_type':
        return 'source.type';
      case 'isotime': {
        if (raw[0] && literal === undefined) return undefined;
        const layout = literal ?? '2006-01-02T15:04:05Z07:00';
        let spec = '';
        for (let i = 0; i < layout.length;) {
          const token = GO_LAYOUT.find(([go]) => layout.startsWith(go, i));
          if (token) {
            spec += token[1];
            i += token[0].length;
          } else {
            const c = layout[i++]!;
            spec += /[A-Za-z]/.test(c) ? `'${c}'` : c;
          }
        }
        return `formatdate(${quote(spec)}, timestamp())`;
      }
      case 'lower':
      case 'upper':
      case 'clean_resource_name':
        return args.length === 1 ? `${name}(${args[0]})` : undefined;
      case 'split':
        return args.length === 3 ? `split(${args[1]}, ${args[0]})[${args[2]}]` : undefined;
      case 'replace_all':
        // Go's (old new s) and (old new n s).
        return args.length === 3 ? `replace(${args[2]}, ${args[0]}, ${args[1]})` : undefined;
      case 'replace':
        return args.length === 4 ? `replace(${args[3]}, ${args[0]}, ${args[1]})` : undefined;
      default:
        notes.push(`${where}: ${source} is kept as text; write it in HCL2 by hand`);
        return undefined;
    }
  };

  const operand = (o: Operand | undefined, where: string): string => {
    if (!o) return 'null';
    if (o.kind === 'string') return quote(o.value);
    if (o.kind === 'number' || o.kind === 'bool') return String(o.value);
    if (o.kind === 'pipeline') return action(o.pipeline, '(…)', where, false) ?? 'null';
    return 'null';
  };

  /** A JSON value as an HCL expression, indented for its depth. */
  const value = (v: unknown, where: string, depth: number, inVariableDefault = false): string => {
    if (typeof v === 'string') return str(v, where, inVariableDefault);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
    const pad = '  '.repeat(depth + 1);
    const close = '  '.repeat(depth);
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      const items = v.map((x, i) => value(x, `${where}[${i}]`, depth + 1, inVariableDefault));
      const oneLine = `[${items.join(', ')}]`;
      return oneLine.length <= 80 && !oneLine.includes('\n')
        ? oneLine
        : `[\n${items.map((i) => `${pad}${i},`).join('\n')}\n${close}]`;
    }
    if (isObject(v)) {
      const keys = Object.keys(v);
      if (!keys.length) return '{}';
      return `{\n${keys.map((k) => `${pad}${key(k)} = ${value(v[k], `${where}.${k}`, depth + 1, inVariableDefault)}`).join('\n')}\n${close}}`;
    }
    return 'null';
  };

  /** A plugin's options as a body: objects its schema structures become blocks, the rest attributes. */
  const body = (
    options: Record<string, unknown>,
    schema: Schema | undefined,
    where: string,
    depth: number,
    skip: string[],
  ): string[] => {
    const pad = '  '.repeat(depth);
    const lines: string[] = [];
    const keys = Object.keys(options).filter((k) => !skip.includes(k) && !k.startsWith('_'));
    const width = Math.max(0, ...keys.map((k) => key(k).length));
    for (const k of keys) {
      const v = options[k];
      const property = schema?.properties?.[k];
      const structured = (s: Schema | undefined) => Boolean(s?.properties) && !s?.additionalProperties;
      if (isObject(v) && structured(property)) {
        lines.push(`${pad}${key(k)} {`, ...body(v, property, `${where}.${k}`, depth + 1, []), `${pad}}`);
      } else if (Array.isArray(v) && v.length && v.every(isObject) && structured(property?.items)) {
        for (const [i, item] of v.entries())
          lines.push(
            `${pad}${key(k)} {`,
            ...body(item as Record<string, unknown>, property!.items, `${where}.${k}[${i}]`, depth + 1, []),
            `${pad}}`,
          );
      } else lines.push(`${pad}${key(k).padEnd(width)} = ${value(v, `${where}.${k}`, depth)}`);
    }
    return lines;
  };

  // packer { }
  if (typeof root.min_packer_version === 'string')
    out.push('packer {', `  required_version = ${quote(`>= ${root.min_packer_version}`)}`, '}', '');

  // variables
  const variables = isObject(root.variables) ? root.variables : {};
  const sensitive = new Set(Array.isArray(root['sensitive-variables']) ? root['sensitive-variables'].map(String) : []);
  for (const [name, def] of Object.entries(variables)) {
    out.push(`variable ${quote(name)} {`, '  type      = string');
    if (def !== null)
      out.push(`  default   = ${value(typeof def === 'string' ? def : String(def), `variables.${name}`, 1, true)}`);
    if (sensitive.has(name)) out.push('  sensitive = true');
    out.push('}', '');
  }
  const variablesEnd = out.length;

  // sources
  for (const b of builders) {
    const type = String(b.type);
    const name = sourceName.get(typeof b.name === 'string' ? b.name : type)!.slice(type.length + 1);
    const schema = registry.builder(type)?.schema as Schema | undefined;
    out.push(
      `source ${quote(type)} ${quote(name)} {`,
      ...body(b, schema, `builders.${name}`, 1, ['type', 'name']),
      '}',
      '',
    );
  }

  // the build
  const build: string[] = ['build {'];
  if (typeof root.description === 'string') build.push(`  description = ${str(root.description, 'description')}`);
  build.push(
    `  sources = [${builders.map((b) => quote(`source.${sourceName.get(typeof b.name === 'string' ? b.name : String(b.type))!}`)).join(', ')}]`,
  );
  const scoped = (options: Record<string, unknown>) => {
    const renamed = { ...options };
    for (const k of ['only', 'except'])
      if (Array.isArray(options[k]))
        renamed[k] = (options[k] as unknown[]).map((n) => sourceName.get(String(n)) ?? String(n));
    if (isObject(options.override))
      renamed.override = Object.fromEntries(
        Object.entries(options.override).map(([k, v]) => [sourceName.get(k) ?? k, v]),
      );
    return renamed;
  };
  const plugin = (kind: 'provisioner' | 'post-processor', raw: unknown, where: string, depth: number): string[] => {
    const options = typeof raw === 'string' ? { type: raw } : isObject(raw) ? raw : {};
    const type = String(options.type);
    const schema = (kind === 'provisioner' ? registry.provisioner(type) : registry.postProcessor(type))?.schema as
      Schema | undefined;
    const pad = '  '.repeat(depth);
    return [`${pad}${kind} ${quote(type)} {`, ...body(scoped(options), schema, where, depth + 1, ['type']), `${pad}}`];
  };
  const provisioners = Array.isArray(root.provisioners) ? root.provisioners : [];
  provisioners.forEach((p, i) => build.push('', ...plugin('provisioner', p, `provisioners[${i}]`, 1)));
  if (isObject(root['error-cleanup-provisioner'])) {
    const lines = plugin('provisioner', root['error-cleanup-provisioner'], 'error-cleanup-provisioner', 1);
    lines[0] = lines[0]!.replace('provisioner', 'error-cleanup-provisioner');
    build.push('', ...lines);
  }
  const chains = Array.isArray(root['post-processors']) ? root['post-processors'] : [];
  chains.forEach((chain, i) => {
    const steps = Array.isArray(chain) ? chain : [chain];
    if (steps.length === 1) build.push('', ...plugin('post-processor', steps[0], `post-processors[${i}]`, 1));
    else
      build.push(
        '',
        '  post-processors {',
        ...steps.flatMap((step, j) => plugin('post-processor', step, `post-processors[${i}][${j}]`, 2)),
        '  }',
      );
  });
  build.push('}');

  const extra: string[] = [];
  for (const [variable, env] of envVariables)
    extra.push(`variable ${quote(variable)} {`, '  type    = string', `  default = env(${quote(env)})`, '}', '');
  if (usesTimestamp)
    extra.push(
      '# {{timestamp}} of the JSON template; HCL2 has no Unix time, so this is YYYYMMDDhhmmss.',
      'locals {',
      '  timestamp = regex_replace(timestamp(), "[- TZ:]", "")',
      '}',
      '',
    );
  out.splice(variablesEnd, 0, ...extra);
  return { text: `${[...out, ...build].join('\n')}\n`, notes: [...new Set(notes)] };
}

function quote(s: string): string {
  return `"${escape(s)}"`;
}

/** Text as it must be written inside an HCL string: escapes, and ${ and %{ doubled. */
function escape(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, '$${')
    .replace(/%\{/g, '%%{');
}

function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : quote(k);
}
