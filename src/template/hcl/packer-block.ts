import type { Expr } from './ast.js';
import type { EvalContext } from './evaluate.js';
import { blocksOf, type ParsedFile } from './files.js';
import type { HclReporter } from './report.js';

/** The version of Packer whose HCL2 boxwright reads; packer.version gives it. */
export const PACKER_VERSION = '1.7.0';

/** One `OP VERSION` of a go-version constraint such as ">= 1.7.0, < 2.0". */
interface Constraint {
  op: '=' | '!=' | '>' | '<' | '>=' | '<=' | '~>';
  version: number[];
}

const CONSTRAINT = /^\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+)*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?\s*$/;

/** Parses a constraint list as Packer's go-version does; undefined when it is not one. */
export function parseConstraints(text: string): Constraint[] | undefined {
  const parts = text.split(',');
  const out: Constraint[] = [];
  for (const part of parts) {
    const match = CONSTRAINT.exec(part);
    if (!match) return undefined;
    out.push({ op: (match[1] ?? '=') as Constraint['op'], version: match[2]!.split('.').map(Number) });
  }
  return out;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length, 3); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/** True when `version` meets every constraint (go-version's meaning of ~>: the last part written may grow). */
export function satisfies(version: string, constraints: Constraint[]): boolean {
  const v = version.split('.').map(Number);
  return constraints.every(({ op, version: c }) => {
    const d = compare(v, c);
    switch (op) {
      case '=':
        return d === 0;
      case '!=':
        return d !== 0;
      case '>':
        return d > 0;
      case '<':
        return d < 0;
      case '>=':
        return d >= 0;
      case '<=':
        return d <= 0;
      case '~>': {
        // ~> 1.7 allows 1.x from 1.7; ~> 1.7.3 allows 1.7.x from 1.7.3.
        const fixed = c.length > 1 ? c.slice(0, -1) : c;
        return d >= 0 && fixed.every((part, i) => (v[i] ?? 0) === part);
      }
    }
  });
}

/**
 * Checks the `packer { required_version, required_plugins }` blocks. boxwright's plugins are
 * built in, so nothing is installed; what is checked is that each constraint and source is
 * well formed, and whether the template asks for a newer Packer than the one boxwright reads as.
 */
export function checkPackerBlocks(files: ParsedFile[], reporter: HclReporter, ctx: EvalContext): void {
  for (const { file, block } of blocksOf(files, 'packer')) {
    if (block.labels.length)
      reporter.error(file, block.labels[0]!.range, 'a packer block takes no label', 'write packer { ... }');
    const attrs = reporter.attributes(file, block.body, ['required_version'], ['required_plugins']);
    if (attrs.required_version) {
      const constraints = constraintsOf(attrs.required_version.expr, file, reporter, ctx, 'required_version');
      if (constraints && !satisfies(PACKER_VERSION, constraints.parsed))
        reporter.warn(
          file,
          attrs.required_version.expr.range,
          `the template asks for Packer ${constraints.text}; boxwright reads HCL2 as Packer ${PACKER_VERSION} does`,
          'it builds the template with its own plugins; a feature of a newer Packer is refused where the template uses it',
        );
    }
    for (const plugins of block.body.blocks.filter((b) => b.type === 'required_plugins')) {
      reporter.attributes(file, plugins.body, [...plugins.body.attributes.map((a) => a.name)], []);
      for (const attribute of plugins.body.attributes) {
        const value = reporter.eval(attribute.expr, file, ctx);
        if (value === undefined) continue;
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          reporter.error(
            file,
            attribute.expr.range,
            `the plugin "${attribute.name}" must be an object with "version" and "source"`,
            `write ${attribute.name} = { version = ">= 1.0.0", source = "github.com/hashicorp/${attribute.name}" }`,
          );
          continue;
        }
        for (const key of Object.keys(value))
          if (key !== 'version' && key !== 'source')
            reporter.error(
              file,
              attribute.expr.range,
              `the plugin "${attribute.name}" has an unknown key "${key}"`,
              'a required plugin takes "version" and "source"',
            );
        const { version, source } = value as Record<string, unknown>;
        if (typeof source !== 'string' || !/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(source))
          reporter.error(
            file,
            attribute.expr.range,
            `the plugin "${attribute.name}" needs a "source" such as "github.com/hashicorp/${attribute.name}"`,
          );
        if (version !== undefined && (typeof version !== 'string' || !parseConstraints(version)))
          reporter.error(
            file,
            attribute.expr.range,
            `the plugin "${attribute.name}" has a "version" that is not a version constraint: ${JSON.stringify(version)}`,
            'write a constraint such as ">= 1.0.0" or "~> 1.2"',
          );
      }
    }
  }
}

function constraintsOf(
  expr: Expr,
  file: string,
  reporter: HclReporter,
  ctx: EvalContext,
  name: string,
): { text: string; parsed: Constraint[] } | undefined {
  const value = reporter.eval(expr, file, ctx);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' ? parseConstraints(value) : undefined;
  if (!parsed) {
    reporter.error(
      file,
      expr.range,
      `${name} is not a version constraint: ${JSON.stringify(value)}`,
      'write a constraint such as ">= 1.7.0" or ">= 1.7.0, < 2.0.0"',
    );
    return undefined;
  }
  return { text: String(value), parsed };
}
