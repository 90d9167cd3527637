import { SENSITIVE } from '../../core/redact.js';
import { DiagnosticBag } from '../../template/diagnostics.js';
import { isHclTemplate, loadHclTemplate } from '../../template/hcl/load.js';
import { parseTemplate, type ParsedTemplate } from '../../template/load.js';
import { registry } from '../../registry.js';
import { makeOutput, printDiagnostics, type CliIo, type OutputFlags } from '../io.js';

/** `boxwright inspect`: what a template declares, without running or resolving anything. */
export function inspectCommand(templatePath: string, flags: OutputFlags, io: CliIo): number {
  const output = makeOutput(io, flags);
  const bag = new DiagnosticBag();
  const declared = isHclTemplate(templatePath, io.cwd)
    ? hclDeclarations(templatePath, io, bag)
    : jsonDeclarations(parseTemplate(templatePath, bag));
  if (!declared || bag.errors.length) {
    printDiagnostics(output, bag.items);
    return 1;
  }
  const { root, vars, sensitive } = declared;
  const lines: string[] = [];
  if (typeof root.description === 'string' && root.description) lines.push('Description:', '', root.description, '');

  const required = Object.keys(vars)
    .filter((k) => vars[k] === null)
    .sort();
  const optional = Object.keys(vars)
    .filter((k) => vars[k] !== null)
    .sort();
  if (required.length) lines.push('Required variables:', '', ...required.map((k) => `  ${k}`), '');
  lines.push('Optional variables and their defaults:', '');
  if (optional.length) {
    const width = Math.max(...optional.map((k) => k.length));
    for (const k of optional) lines.push(`  ${k.padEnd(width)} = ${sensitive.has(k) ? SENSITIVE : String(vars[k])}`);
  } else lines.push('  <No variables>');
  lines.push('');

  const builders = (Array.isArray(root.builders) ? root.builders : []) as Record<string, unknown>[];
  lines.push('Builders:', '');
  if (builders.length === 0) lines.push('  <No builders>');
  for (const b of builders)
    lines.push(
      typeof b.name === 'string' && b.name !== b.type ? `  ${b.name} (${String(b.type)})` : `  ${String(b.type)}`,
    );
  lines.push('');

  const provisioners = (Array.isArray(root.provisioners) ? root.provisioners : []) as Record<string, unknown>[];
  lines.push('Provisioners:', '');
  if (provisioners.length === 0) lines.push('  <No provisioners>');
  for (const p of provisioners) lines.push(`  ${String(p.type)}`);
  lines.push('');

  const pps = Array.isArray(root['post-processors']) ? (root['post-processors'] as unknown[]) : [];
  lines.push('Post-processors:', '');
  if (pps.length === 0) lines.push('  <No post-processors>');
  pps.forEach((chain, i) => {
    const members = (Array.isArray(chain) ? chain : [chain]).map((pp) =>
      typeof pp === 'string' ? pp : String((pp as Record<string, unknown>)?.type),
    );
    lines.push(`  ${i}: ${members.join(' -> ')}`);
  });
  lines.push(
    '',
    'Note: If your build names contain user variables or template',
    "functions such as 'timestamp', these are processed at build time,",
    'and therefore only show in their raw form here.',
  );
  for (const line of lines) output.plain(line);
  return 0;
}

interface Declarations {
  root: Record<string, unknown>;
  /** Each variable's default, null when it has none. */
  vars: Record<string, unknown>;
  sensitive: Set<string>;
}

function jsonDeclarations(parsed: ParsedTemplate | undefined): Declarations | undefined {
  if (!parsed) return undefined;
  const root = parsed.root;
  const sensitive = Array.isArray(root['sensitive-variables']) ? (root['sensitive-variables'] as string[]) : [];
  return { root, vars: (root.variables ?? {}) as Record<string, unknown>, sensitive: new Set(sensitive) };
}

/** An HCL2 template's builds as boxwright plans them, with the variables it declares. */
function hclDeclarations(templatePath: string, io: CliIo, bag: DiagnosticBag): Declarations | undefined {
  const request = { templatePath, cwd: io.cwd, env: io.env, varFiles: [], vars: [], initTime: new Date(), registry };
  const hcl = loadHclTemplate({ ...request, valuesOptional: true }, bag);
  if (!hcl) return undefined;
  const vars = Object.fromEntries(
    [...hcl.variables.declared].map(([name, d]) => [name, d.required ? null : d.default]),
  );
  return { root: hcl.root, vars, sensitive: new Set(hcl.variables.sensitive) };
}
