import { SENSITIVE } from '../../core/redact.js';
import { DiagnosticBag } from '../../template/diagnostics.js';
import { parseTemplate } from '../../template/load.js';
import { makeOutput, printDiagnostics, type CliIo, type OutputFlags } from '../io.js';

/** `boxwright inspect`: what a template declares, without running or resolving anything. */
export function inspectCommand(templatePath: string, flags: OutputFlags, io: CliIo): number {
  const output = makeOutput(io, flags);
  const bag = new DiagnosticBag();
  const parsed = parseTemplate(templatePath, bag);
  if (!parsed || bag.errors.length) {
    printDiagnostics(output, bag.items);
    return 1;
  }
  const root = parsed.root;
  const lines: string[] = [];
  if (typeof root.description === 'string' && root.description) lines.push('Description:', '', root.description, '');

  const vars = (root.variables ?? {}) as Record<string, unknown>;
  const sensitive = new Set(
    Array.isArray(root['sensitive-variables']) ? (root['sensitive-variables'] as string[]) : [],
  );
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
