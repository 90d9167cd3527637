import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { HclSyntaxError, type Attribute, type Block, type Body, type Expr, type Pos, type Range } from './ast.js';
import { parseHcl, parseTemplateText } from './parse.js';

/** Which properties of a body are blocks, how many labels each has, and what is inside them. */
interface BlockSpec {
  labels: number;
  blocks?: Record<string, BlockSpec>;
  /** Attributes whose string is an expression, not a template (a variable's type). */
  expressions?: string[];
}

/** Packer's HCL2 blocks; everything not named here is an attribute. */
const ROOT: Record<string, BlockSpec> = {
  packer: { labels: 0, blocks: { required_plugins: { labels: 0 } } },
  variable: { labels: 1, blocks: { validation: { labels: 0 } }, expressions: ['type'] },
  variables: { labels: 0 },
  locals: { labels: 0 },
  local: { labels: 1 },
  source: { labels: 2 },
  build: {
    labels: 0,
    blocks: {
      source: { labels: 1 },
      provisioner: { labels: 1 },
      'error-cleanup-provisioner': { labels: 1 },
      'post-processor': { labels: 1 },
      'post-processors': { labels: 0, blocks: { 'post-processor': { labels: 1 } } },
    },
  },
};

/**
 * Reads a `.pkr.json` file (HCL's JSON syntax) into the same body the native syntax gives:
 * block types and labels as nested object keys, strings as templates (`"${var.x}"`).
 */
export function parseHclJson(text: string): Body {
  const lines = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines.push(i + 1);
  const pos = (offset: number): Pos => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - lines[lo]! + 1 };
  };
  const range = (node: Node): Range => ({ start: pos(node.offset), end: pos(node.offset + node.length) });

  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length) {
    const e = errors[0]!;
    throw new HclSyntaxError(pos(e.offset), `invalid JSON: ${printParseErrorCode(e.error)}`);
  }
  if (!root || root.type !== 'object') throw new HclSyntaxError(pos(0), 'a .pkr.json file must be a JSON object');

  const expression = (node: Node): Expr => {
    switch (node.type) {
      case 'string':
        // The node's offset is at its opening quote; the template starts after it.
        return {
          kind: 'template',
          parts: parseTemplateText(String(node.value), pos(node.offset + 1)),
          range: range(node),
        };
      case 'number':
      case 'boolean':
        return { kind: 'literal', value: node.value as number | boolean, range: range(node) };
      case 'null':
        return { kind: 'literal', value: null, range: range(node) };
      case 'array':
        return { kind: 'tuple', items: (node.children ?? []).map(expression), range: range(node) };
      default:
        return {
          kind: 'object',
          items: properties(node).map(([key, value]) => ({
            key: { kind: 'literal', value: String(key.value), range: range(key) },
            value: expression(value),
          })),
          range: range(node),
        };
    }
  };

  /** A string that holds an expression (a type such as list(string)), parsed as HCL. */
  const expressionText = (node: Node): Expr => {
    if (node.type !== 'string') return expression(node);
    const at = pos(node.offset + 1);
    try {
      return parseHcl(`x = ${String(node.value)}\n`).attributes[0]!.expr;
    } catch (err) {
      if (err instanceof HclSyntaxError) throw new HclSyntaxError(at, err.message, err.hint);
      throw err;
    }
  };

  const body = (node: Node, blocks: Record<string, BlockSpec>, expressions: string[] = []): Body => {
    if (node.type !== 'object')
      throw new HclSyntaxError(pos(node.offset), 'expected a JSON object holding the block’s attributes and blocks');
    const attributes: Attribute[] = [];
    const found: Block[] = [];
    for (const [key, value] of properties(node)) {
      const name = String(key.value);
      if (name === '//') continue; // HCL's JSON comment
      const spec = blocks[name];
      if (!spec) {
        const expr = expressions.includes(name) ? expressionText(value) : expression(value);
        attributes.push({
          name,
          nameRange: range(key),
          expr,
          range: { start: range(key).start, end: range(value).end },
        });
        continue;
      }
      found.push(...blocksOf(name, key, value, spec));
    }
    return { attributes, blocks: found, range: range(node) };
  };

  /** The blocks of one type: labels as nested keys, several blocks as an array. */
  const blocksOf = (type: string, key: Node, value: Node, spec: BlockSpec): Block[] => {
    const out: Block[] = [];
    const walk = (node: Node, labels: Block['labels']) => {
      if (node.type === 'array') return (node.children ?? []).forEach((item) => walk(item, labels));
      if (labels.length === spec.labels) {
        out.push({
          type,
          typeRange: range(key),
          labels,
          body: body(node, spec.blocks ?? {}, spec.expressions),
          range: range(node),
        });
        return;
      }
      if (node.type !== 'object')
        throw new HclSyntaxError(pos(node.offset), `expected an object keyed by the labels of the "${type}" block`);
      for (const [label, inner] of properties(node))
        walk(inner, [...labels, { value: String(label.value), range: range(label) }]);
    };
    walk(value, []);
    return out;
  };

  return body(root, ROOT);
}

function properties(node: Node): [Node, Node][] {
  return (node.children ?? [])
    .filter((p) => p.type === 'property' && p.children?.length === 2)
    .map((p) => [p.children![0]!, p.children![1]!]);
}
