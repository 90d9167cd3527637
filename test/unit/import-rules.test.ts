import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

/** Every relative import in src/, as [importing file, imported file], both relative to src/. */
function importEdges(): [string, string][] {
  const edges: [string, string][] = [];
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const spec = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const file of files) {
    for (const m of readFileSync(path.join(SRC, file), 'utf8').matchAll(spec)) {
      edges.push([file, path.normalize(path.join(path.dirname(file), m[1]!)).replace(/\.js$/, '.ts')]);
    }
  }
  return edges;
}

/** The top-level folder of src/ a file is in ("registry.ts" for files at the top). */
const area = (file: string) => file.split(path.sep)[0]!;
/** builders/qemu/config.ts → builders/qemu */
const family = (file: string) => file.split(path.sep).slice(0, 2).join('/');

/** Each area and the areas it may import; anything else is a forbidden edge. */
const ALLOWED: Record<string, string[]> = {
  base: [],
  util: ['base'],
  formats: ['base', 'util'],
  core: ['base'],
  template: ['base', 'util', 'core'],
  communicators: ['base', 'util', 'core', 'machines'],
  machines: ['base', 'util', 'core', 'formats'],
  config: ['base', 'util', 'core', 'communicators', 'machines', 'formats'],
  steps: ['base', 'util', 'core', 'communicators', 'machines', 'formats', 'config'],
  provisioners: ['base', 'util', 'core', 'communicators', 'parity'],
  builders: ['base', 'util', 'core', 'communicators', 'machines', 'formats', 'config', 'steps'],
  'post-processors': ['base', 'util', 'core', 'formats', 'machines', 'provisioners'],
  fingerprint: ['base', 'util', 'core'],
  parity: ['base', 'util', 'core', 'fingerprint'],
  runner: ['base', 'util', 'core', 'template', 'fingerprint'],
  'registry.ts': ['core', 'template', 'builders', 'provisioners', 'post-processors'],
  // machines: `boxwright cleanup` asks the Docker daemon for containers of killed runs.
  cli: ['base', 'util', 'core', 'template', 'runner', 'registry.ts', 'parity', 'machines'],
};

describe('the layering of src/ (shared/ARCHITECTURE.md)', () => {
  const edges = importEdges();

  it('reads a real import graph', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual(['cli/main.ts', expect.stringMatching(/^cli\//)]);
  });

  it('has no import from one area into an area it must not know', () => {
    const forbidden = edges
      .filter(([from, to]) => area(from) !== area(to))
      .filter(([from, to]) => !(ALLOWED[area(from)] ?? []).includes(area(to)))
      .map(([from, to]) => `src/${from} imports src/${to}`);
    expect(forbidden).toEqual([]);
  });

  it('keeps every area of src/ in the table above, so a new folder is placed on purpose', () => {
    const areas = new Set(edges.flatMap(([from, to]) => [area(from), area(to)]));
    expect([...areas].filter((a) => !(a in ALLOWED))).toEqual([]);
  });

  it('has builder families that share code only through config/, steps/ and machines/, never each other', () => {
    const crossing = edges
      .filter(([from, to]) => area(from) === 'builders' && area(to) === 'builders' && family(from) !== family(to))
      .map(([from, to]) => `src/${from} imports src/${to}`);
    expect(crossing).toEqual([]);
  });
});
