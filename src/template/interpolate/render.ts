import { closest } from '../diagnostics.js';
import { checkArgument, FunctionError, FUNCTIONS, type FunctionScope, type Value } from './functions.js';
import { hasActions, parseTemplate, TemplateError, type Operand, type Pipeline } from './parse.js';

/**
 * The fields that builders and post-processors fill in late ({{ .HTTPIP }} and friends).
 * Each plugin option says which of them it accepts; anywhere else they are errors.
 */
export const LATE_FIELDS = new Set([
  'HTTPIP',
  'HTTPPort',
  'Name',
  'Vars',
  'Path',
  'Script',
  'Command',
  'Provider',
  'BuildName',
  'BuilderType',
  'ArtifactId',
  'ChecksumType',
  'Image',
  'Host',
  'Port',
  'User',
  'Password',
  'SSHPublicKey',
  'SSHPrivateKey',
  'ID',
  'Flavor',
  'OutputDir',
  'Architecture',
  'EnvVarFile',
]);

export interface RenderOptions {
  scope: FunctionScope;
  /** Late-bound fields whose values are known now. */
  fields?: Readonly<Record<string, string>>;
  /** Late-bound fields that this option accepts but that are filled in later: kept as written. */
  deferred?: ReadonlySet<string>;
}

/** Renders a template string. Throws TemplateError (with the offset in `text`) on any problem. */
export function render(text: string, options: RenderOptions): string {
  if (!hasActions(text)) return text;
  const segments = parseTemplate(text);
  // A conditional whose condition waits for a late field is kept whole, to be rendered with it.
  if (segments.some((s) => s.kind === 'if' && usesDeferredField(s.pipeline, options))) return text;
  let out = '';
  // One entry per open {{if}}: whether its branch being read now is taken.
  const taking: boolean[] = [];
  const open: { offset: number; elseSeen: boolean; condition: boolean; parentLive: boolean }[] = [];
  const live = () => taking.every(Boolean);
  for (const segment of segments) {
    if (segment.kind === 'if') {
      const parentLive = live();
      const condition = parentLive && truthy(evaluatePipeline(segment.pipeline, options, segment.offset));
      taking.push(condition);
      open.push({ offset: segment.offset, elseSeen: false, condition, parentLive });
    } else if (segment.kind === 'else' || segment.kind === 'end') {
      const top = open.at(-1);
      if (!top)
        throw new TemplateError(
          `{{${segment.kind}}} without an {{if}}`,
          segment.offset,
          'open the condition with {{if ...}}',
        );
      if (segment.kind === 'end') {
        taking.pop();
        open.pop();
      } else {
        if (top.elseSeen) throw new TemplateError('a second {{else}} in one {{if}}', segment.offset);
        top.elseSeen = true;
        // The else branch is taken when the condition was false and the enclosing branch is read.
        taking[taking.length - 1] = top.parentLive && !top.condition;
      }
    } else if (!live()) {
      continue;
    } else if (segment.kind === 'text') {
      out += segment.text;
    } else if (segment.pipeline) {
      if (usesDeferredField(segment.pipeline, options)) {
        // Kept for later, but its shape is checked now so that mistakes show at validate time.
        checkPipeline(segment.pipeline, segment.offset, options);
        out += segment.source;
      } else {
        out += String(evaluatePipeline(segment.pipeline, options, segment.offset));
      }
    }
  }
  if (open.length)
    throw new TemplateError('{{if}} without {{end}}', open.at(-1)!.offset, 'close the condition with {{end}}');
  return out;
}

/** Go's truth: false, 0, "" and nothing are false; everything else is true. */
function truthy(value: unknown): boolean {
  return !(value === false || value === 0 || value === '' || value === undefined || value === null);
}

function usesDeferredField(pipeline: Pipeline, options: RenderOptions): boolean {
  const deferred = options.deferred;
  if (!deferred || deferred.size === 0) return false;
  const visit = (p: Pipeline): boolean =>
    p.some((cmd) =>
      cmd.operands.some(
        (op) =>
          (op.kind === 'field' && deferred.has(op.name) && !(options.fields && op.name in options.fields)) ||
          (op.kind === 'pipeline' && visit(op.pipeline)),
      ),
    );
  return visit(pipeline);
}

/** Static checks of an action kept for later: functions exist with the right arity, fields are known. */
function checkPipeline(pipeline: Pipeline, actionOffset: number, options: RenderOptions): void {
  pipeline.forEach((command, index) => {
    const [head, ...rest] = command.operands;
    if (head!.kind === 'ident') {
      const fn = FUNCTIONS[head!.name];
      if (!fn) return void callFunction(head!.name, [], options.scope, head!.offset);
      const count = rest.length + (index > 0 ? 1 : 0);
      if (count < fn.params.length - (fn.optional ?? 0) || count > fn.params.length)
        throw new TemplateError(
          `${head!.name} takes ${fn.params.length} argument(s), got ${count}`,
          head!.offset,
          usage(head!.name),
        );
    } else if (rest.length > 0 || index > 0) {
      throw new TemplateError(
        'only a function can take arguments',
        actionOffset,
        'put the function first: {{ lower .Name }}, or pipe into it: {{ .Name | lower }}',
      );
    }
    for (const op of command.operands) {
      if (op.kind === 'pipeline') checkPipeline(op.pipeline, actionOffset, options);
      if (op.kind === 'field' && !(options.deferred?.has(op.name) || (options.fields && op.name in options.fields)))
        evaluateOperand(op, options, actionOffset);
    }
  });
}

function evaluatePipeline(pipeline: Pipeline, options: RenderOptions, actionOffset: number): Value {
  let previous: Value | undefined;
  pipeline.forEach((command, index) => {
    const [head, ...rest] = command.operands;
    if (head!.kind === 'ident') {
      const args = rest.map((op) => evaluateOperand(op, options, actionOffset));
      if (index > 0) args.push(previous!);
      previous = callFunction(head!.name, args, options.scope, head!.offset);
    } else {
      if (rest.length > 0 || index > 0)
        throw new TemplateError(
          'only a function can take arguments',
          actionOffset,
          'put the function first: {{ lower .Name }}, or pipe into it: {{ .Name | lower }}',
        );
      previous = evaluateOperand(head!, options, actionOffset);
    }
  });
  return previous!;
}

function evaluateOperand(op: Operand, options: RenderOptions, actionOffset: number): Value {
  switch (op.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return op.value;
    case 'pipeline':
      return evaluatePipeline(op.pipeline, options, actionOffset);
    case 'ident':
      return callFunction(op.name, [], options.scope, op.offset);
    case 'field': {
      const value = options.fields?.[op.name];
      if (value !== undefined) return value;
      if (!LATE_FIELDS.has(op.name)) {
        const near = closest(op.name, LATE_FIELDS);
        throw new TemplateError(
          `unknown field .${op.name}`,
          op.offset,
          near ? `did you mean .${near}?` : `known fields are ${[...LATE_FIELDS].map((f) => `.${f}`).join(', ')}`,
        );
      }
      const allowed = [...(options.deferred ?? []), ...Object.keys(options.fields ?? {})];
      throw new TemplateError(
        `.${op.name} is not available in this option`,
        op.offset,
        allowed.length
          ? `here only ${allowed.map((f) => `.${f}`).join(', ')} can be used`
          : 'fields such as .HTTPIP are filled in only by the options that document them (boot_command, execute_command, output, ...)',
      );
    }
  }
}

function callFunction(name: string, args: Value[], scope: FunctionScope, offset: number): Value {
  const fn = FUNCTIONS[name];
  if (!fn) {
    const near = closest(name, Object.keys(FUNCTIONS));
    throw new TemplateError(
      `unknown function "${name}"`,
      offset,
      near ? `did you mean "${near}"?` : `functions are ${Object.keys(FUNCTIONS).join(', ')}`,
    );
  }
  const min = fn.params.length - (fn.optional ?? 0);
  if (args.length < min || args.length > fn.params.length) {
    const expected = min === fn.params.length ? `${min}` : `${min} to ${fn.params.length}`;
    throw new TemplateError(`${name} takes ${expected} argument(s), got ${args.length}`, offset, usage(name));
  }
  for (let i = 0; i < args.length; i++) {
    const problem = checkArgument(name, i, fn.params[i]!, args[i]!);
    if (problem) throw new TemplateError(problem, offset, usage(name));
  }
  try {
    const warn = scope.warn;
    return fn.call(scope, args, warn ? (message, hint) => warn(message, hint, offset) : undefined);
  } catch (err) {
    if (err instanceof FunctionError) throw new TemplateError(err.message, offset, err.hint);
    throw err;
  }
}

const USAGE: Record<string, string> = {
  user: '{{user `name`}}',
  env: '{{env `HOME`}}',
  isotime: '{{isotime}} or {{isotime "2006-01-02"}} (a Go layout)',
  split: '{{split "a-b-c" "-" 1}} gives "b"',
  replace: '{{replace "old" "new" 1 "text"}} replaces the first 1 match',
  replace_all: '{{replace_all "old" "new" "text"}}',
  lower: '{{lower "TEXT"}} or {{ .Name | lower }}',
  upper: '{{upper "text"}}',
  clean_resource_name: '{{ timestamp | clean_resource_name }}',
};

function usage(name: string): string {
  return USAGE[name] ? `usage: ${USAGE[name]}` : `usage: {{${name}}}`;
}
