import { unknownBuildValues } from '../../core/build-values.js';
import type { PluginKind } from '../../core/plugin.js';
import { suggestion } from '../diagnostics.js';
import type { PluginRegistry } from '../registry.js';
import type { Attribute, Block, Body, Expr, Range } from './ast.js';
import { isMap, type HclValue } from './evaluate.js';
import { blocksOf, type ParsedFile } from './files.js';
import type { HclInputs } from './inputs.js';
import { HclReporter } from './report.js';
import type { HclSource } from './source.js';

/**
 * Writes the template's build blocks as a JSON template's builders, provisioners and
 * post-processor chains, placing each option where it was written.
 */
export class HclBuilds {
  constructor(
    private readonly registry: PluginRegistry,
    private readonly files: ParsedFile[],
    private readonly inputs: HclInputs,
    private reporter: HclReporter,
    private readonly source: HclSource,
    private readonly root: Record<string, unknown>,
  ) {}

  write(): void {
    const sources = new Map<string, { file: string; block: Block }>();
    for (const { file, block } of blocksOf(this.files, 'source')) {
      if (block.labels.length !== 2) {
        this.reporter.error(
          file,
          block.typeRange,
          'a source block needs two labels: the builder type and a name',
          'write source "qemu" "debian" { ... }',
        );
        continue;
      }
      const key = `${block.labels[0]!.value}.${block.labels[1]!.value}`;
      if (sources.has(key)) this.reporter.error(file, block.labels[1]!.range, `the source "${key}" is declared twice`);
      else sources.set(key, { file, block });
    }
    const builds = blocksOf(this.files, 'build');
    if (!builds.length) {
      const first = this.files[0]!;
      this.reporter.error(
        first.file,
        first.body.range,
        'the template has no build block',
        'add build { sources = ["source.TYPE.NAME"] }',
      );
      return;
    }
    const used = new Map<string, number>();
    builds.forEach(({ file, block }, buildIndex) => {
      const attrs = this.reporter.attributes(
        file,
        block.body,
        ['name', 'description', 'sources'],
        ['source', 'provisioner', 'error-cleanup-provisioner', 'post-processor', 'post-processors'],
      );
      const buildName = attrs.name
        ? String(this.reporter.eval(attrs.name.expr, file, this.inputs.context()) ?? '')
        : '';
      const names: string[] = [];
      const addSource = (ref: string, at: Range, override?: Block) => {
        const key = ref.replace(/^source\./, '');
        const declared = sources.get(key);
        if (!declared) {
          this.reporter.error(
            file,
            at,
            `there is no source "${ref}"`,
            suggestion(
              key,
              [...sources.keys()].map((k) => `source.${k}`),
              'one of',
            ),
          );
          return;
        }
        const [type, sourceName] = key.split(/\.(.*)/s) as [string, string];
        const builderIndex = (this.root.builders as unknown[]).length;
        // An override may rename the source; source.name in either body is that name.
        const rename = override?.body.attributes.find((a) => a.name === 'name');
        const renamed = rename ? this.reporter.eval(rename.expr, file, this.inputs.context()) : undefined;
        const name = typeof renamed === 'string' ? renamed : sourceName;
        const roots = { source: { type, name } };
        const path = ['builders', builderIndex];
        const options = this.pluginBody(declared.file, declared.block.body, 'builder', type, path, roots);
        if (override) {
          const extra = this.pluginBody(file, override.body, 'builder', type, path, roots);
          delete extra.name;
          Object.assign(options, extra);
        }
        let builderName = `${type}.${name}`;
        if (used.has(builderName)) builderName = `${buildName || `build${buildIndex + 1}`}.${builderName}`;
        used.set(builderName, builderIndex);
        (this.root.builders as unknown[]).push({ ...options, type, name: builderName });
        this.source.place(['builders', builderIndex], {
          file: declared.file,
          key: declared.block.typeRange,
          value: declared.block.labels[0]!.range,
        });
        this.source.place(['builders', builderIndex, 'type'], {
          file: declared.file,
          key: declared.block.labels[0]!.range,
          value: declared.block.labels[0]!.range,
        });
        names.push(builderName);
        this.sourceOf.set(builderName, { type, name });
        this.source.label(['builders', builderIndex], `source.${type}.${name}`);
        this.source.sourceNames.set(builderName, name);
        // The name the template's only/except and override use: TYPE.NAME of the source.
        this.aliases.set(`${type}.${name}`, [...(this.aliases.get(`${type}.${name}`) ?? []), builderName]);
      };
      if (attrs.sources) {
        const list = this.reporter.eval(attrs.sources.expr, file, this.inputs.context());
        if (Array.isArray(list)) {
          list.forEach((ref, i) => {
            const at =
              attrs.sources!.expr.kind === 'tuple'
                ? (attrs.sources!.expr.items[i]?.range ?? attrs.sources!.expr.range)
                : attrs.sources!.expr.range;
            if (typeof ref === 'string') addSource(ref, at);
            else this.reporter.error(file, at, 'a source is named by a string such as "source.qemu.debian"');
          });
        } else if (list !== undefined)
          this.reporter.error(file, attrs.sources.expr.range, '"sources" must be a list of source names');
      }
      for (const inner of block.body.blocks.filter((b) => b.type === 'source')) {
        const ref = inner.labels[0];
        if (!ref)
          this.reporter.error(
            file,
            inner.typeRange,
            'a source block in a build names the source it uses',
            'write source "source.TYPE.NAME" { ... }',
          );
        else addSource(ref.value, ref.range, inner);
      }
      if (!names.length) {
        const named = attrs.sources || block.body.blocks.some((b) => b.type === 'source');
        if (!named)
          this.reporter.error(file, block.typeRange, 'this build uses no source', 'add sources = ["source.TYPE.NAME"]');
        return;
      }
      if (attrs.description && this.root.description === undefined)
        this.root.description = this.reporter.eval(attrs.description.expr, file, this.inputs.context());
      for (const inner of block.body.blocks) {
        if (inner.type === 'provisioner' || inner.type === 'error-cleanup-provisioner') {
          const type = inner.labels[0]?.value;
          if (!type) {
            this.reporter.error(
              file,
              inner.typeRange,
              `a ${inner.type} block needs its type as a label`,
              `write ${inner.type} "shell" { ... }`,
            );
            continue;
          }
          if (inner.type === 'error-cleanup-provisioner') {
            if (this.root['error-cleanup-provisioner']) {
              this.reporter.error(
                file,
                inner.typeRange,
                'only one error-cleanup-provisioner is supported by boxwright yet',
              );
              continue;
            }
            const options = this.pluginOptions(file, inner.body, 'provisioner', type, ['error-cleanup-provisioner'], {
              buildName,
            });
            this.root['error-cleanup-provisioner'] = { ...options, type };
            this.source.label(['error-cleanup-provisioner'], `error-cleanup-provisioner "${type}"`);
            continue;
          }
          for (const group of this.perSource(inner, this.scope(names, file, inner))) {
            const index = (this.root.provisioners as unknown[]).length;
            const at = ['provisioners', index];
            const options = this.pluginOptions(file, inner.body, 'provisioner', type, at, { ...group, buildName });
            (this.root.provisioners as unknown[]).push({ ...options, type, only: group.only });
            this.source.label(at, `provisioner "${type}"`);
            this.source.place(at, { file, key: inner.typeRange, value: inner.labels[0]!.range });
            this.source.place([...at, 'type'], { file, key: inner.labels[0]!.range, value: inner.labels[0]!.range });
          }
        } else if (inner.type === 'post-processor' || inner.type === 'post-processors') {
          const steps =
            inner.type === 'post-processor' ? [inner] : inner.body.blocks.filter((b) => b.type === 'post-processor');
          if (inner.type === 'post-processors')
            for (const other of inner.body.blocks.filter((b) => b.type !== 'post-processor'))
              this.reporter.error(
                file,
                other.typeRange,
                `a post-processors block holds post-processor blocks, not "${other.type}"`,
              );
          for (const group of this.perSource(inner, names)) {
            const chainIndex = (this.root['post-processors'] as unknown[]).length;
            const chain = steps.flatMap((step, i) => {
              const type = step.labels[0]?.value;
              if (!type) {
                this.reporter.error(
                  file,
                  step.typeRange,
                  'a post-processor block needs its type as a label',
                  'write post-processor "vagrant" { ... }',
                );
                return [];
              }
              const at = ['post-processors', chainIndex, i];
              const options = this.pluginOptions(file, step.body, 'post-processor', type, at, { ...group, buildName });
              this.source.place(at, { file, key: step.typeRange, value: step.labels[0]!.range });
              this.source.label(at, `post-processor "${type}"`);
              this.source.place([...at, 'type'], { file, key: step.labels[0]!.range, value: step.labels[0]!.range });
              const only = this.scope(group.only, file, step);
              return [{ ...options, type, only }];
            });
            if (chain.length) (this.root['post-processors'] as unknown[]).push(chain);
          }
        }
      }
    });
  }

  /** TYPE.NAME of each source, and the builders made of it (one per build that uses it). */
  private readonly aliases = new Map<string, string[]>();

  /** The builders a provisioner or post-processor of a build block runs for: its sources, less only/except. */
  private scope(names: string[], file: string, block: Block): string[] {
    const resolve = (key: 'only' | 'except') => {
      const attribute = block.body.attributes.find((a) => a.name === key);
      if (!attribute) return undefined;
      const list = this.reporter.eval(attribute.expr, file, this.inputs.context());
      if (!Array.isArray(list)) {
        if (list !== undefined)
          this.reporter.error(
            file,
            attribute.expr.range,
            `"${key}" must be a list of source names such as "qemu.debian"`,
          );
        return [];
      }
      return list.flatMap((ref) => {
        const resolved = this.aliases.get(String(ref).replace(/^source\./, ''));
        if (!resolved)
          this.reporter.warn(
            file,
            attribute.expr.range,
            `"${key}" names "${String(ref)}", which is not a source of this build`,
            suggestion(String(ref), [...this.aliases.keys()], 'one of'),
          );
        return resolved ?? [];
      });
    };
    const only = resolve('only');
    const except = resolve('except') ?? [];
    return names.filter((n) => (!only || only.includes(n)) && !except.includes(n));
  }

  /**
   * The groups of builders a block is evaluated for, each with its source.* values: one group
   * for all when the block does not use source.*, else one per builder (Packer evaluates per source).
   */
  private perSource(block: Block, builders: string[]): { only: string[]; roots: Record<string, HclValue> }[] {
    if (!mentions(block.body, 'source')) return [{ only: builders, roots: { source: { name: '', type: '' } } }];
    return builders.map((b) => ({ only: [b], roots: { source: this.sourceOf.get(b)! } }));
  }

  /** Each builder's source: its type and name, for source.type and source.name. */
  private readonly sourceOf = new Map<string, { type: string; name: string }>();

  /**
   * A provisioner's or post-processor's options. One that reads build.* (build.Host) is
   * evaluated now with Packer's "<unknown>" values, for validation, and again with the
   * machine's values when the build runs it.
   */
  private pluginOptions(
    file: string,
    body: Body,
    kind: PluginKind,
    type: string,
    at: (string | number)[],
    { roots = {}, buildName }: { roots?: Record<string, HclValue>; buildName: string },
  ): Record<string, unknown> {
    if (!mentions(body, 'build')) return this.pluginBody(file, body, kind, type, at, roots);
    const withBuild = (values: Record<string, string>) => ({ ...roots, build: { ...values, name: buildName } });
    this.source.late(at, (values, bag) => {
      const reporter = this.reporter;
      this.reporter = new HclReporter(bag);
      try {
        return this.pluginBody(file, body, kind, type, at, withBuild(values));
      } finally {
        this.reporter = reporter;
      }
    });
    return this.pluginBody(file, body, kind, type, at, withBuild(unknownBuildValues()));
  }

  /**
   * A plugin's options from a block body: attributes evaluated, nested blocks as objects (or
   * lists of objects where the plugin's schema takes a list), each placed in the source.
   */
  private pluginBody(
    file: string,
    body: Body,
    kind: PluginKind,
    type: string,
    at: (string | number)[],
    roots: Record<string, HclValue> = {},
  ): Record<string, unknown> {
    const plugin =
      kind === 'builder'
        ? this.registry.builder(type)
        : kind === 'provisioner'
          ? this.registry.provisioner(type)
          : this.registry.postProcessor(type);
    const schema = (plugin?.schema ?? {}) as { properties?: Record<string, { type?: unknown }> };
    return this.body(file, body, schema, at, roots);
  }

  private body(
    file: string,
    body: Body,
    schema: { properties?: Record<string, { type?: unknown; items?: unknown }> },
    at: (string | number)[],
    roots: Record<string, HclValue> = {},
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const ctx = this.inputs.context(roots);
    for (const attribute of body.attributes) {
      // A build's provisioners and post-processors: only and except were read with the block.
      if (roots.source && (attribute.name === 'only' || attribute.name === 'except')) continue;
      const value = this.reporter.eval(attribute.expr, file, ctx);
      if (value === undefined) continue;
      // Packer's null leaves an option unset.
      if (value !== null) out[attribute.name] = value;
      this.placeValue(file, attribute, [...at, attribute.name]);
    }
    // A dynamic block stands for one block per item of for_each, its content evaluated with the iterator.
    const expanded = body.blocks.flatMap((block) =>
      block.type === 'dynamic' ? this.expandDynamic(file, block, roots) : [{ block, body: block.body, roots }],
    );
    for (const { block, body: content, roots: blockRoots } of expanded) {
      const type = block.type === 'dynamic' ? block.labels[0]!.value : block.type;
      const property = schema.properties?.[type];
      const asList = property?.type === 'array';
      const itemSchema = (asList ? property?.items : property) as
        { properties?: Record<string, { type?: unknown }> } | undefined;
      if (asList) {
        const list = (out[type] ??= []) as unknown[];
        const path = [...at, type, list.length];
        list.push(this.body(file, content, itemSchema ?? {}, path, blockRoots));
        this.source.place(path, { file, key: block.typeRange, value: block.typeRange });
        this.source.place([...at, type], { file, key: block.typeRange, value: block.typeRange });
      } else {
        if (type in out) {
          this.reporter.error(file, block.typeRange, `"${type}" is given twice`, 'keep one block');
          continue;
        }
        out[type] = this.body(file, content, itemSchema ?? {}, [...at, type], blockRoots);
        this.source.place([...at, type], { file, key: block.typeRange, value: block.typeRange });
      }
    }
    return out;
  }

  /** The blocks a `dynamic "NAME" { for_each, iterator, content }` block stands for. */
  private expandDynamic(
    file: string,
    block: Block,
    roots: Record<string, HclValue>,
  ): { block: Block; body: Body; roots: Record<string, HclValue> }[] {
    const name = block.labels[0]?.value;
    const attrs = this.reporter.attributes(file, block.body, ['for_each', 'iterator', 'labels'], ['content']);
    const content = block.body.blocks.find((b) => b.type === 'content');
    if (!name || !attrs.for_each || !content) {
      this.reporter.error(
        file,
        block.typeRange,
        'a dynamic block needs the block type as its label, "for_each" and a "content" block',
        'write dynamic "NAME" { for_each = LIST; content { ... } }',
      );
      return [];
    }
    const iterator = attrs.iterator?.expr.kind === 'variable' ? attrs.iterator.expr.name : name;
    const collection = this.reporter.eval(attrs.for_each.expr, file, this.inputs.context(roots));
    if (collection === undefined) return [];
    const items: [HclValue, HclValue][] = Array.isArray(collection)
      ? collection.map((v, i) => [i, v])
      : isMap(collection)
        ? Object.entries(collection)
        : [];
    if (!Array.isArray(collection) && !isMap(collection)) {
      this.reporter.error(file, attrs.for_each.expr.range, '"for_each" must be a list or a map');
      return [];
    }
    return items.map(([key, value]) => ({
      block,
      body: content.body,
      roots: { ...roots, [iterator]: { key, value } },
    }));
  }

  private placeValue(file: string, attribute: Attribute, at: (string | number)[]): void {
    this.source.place(at, { file, key: attribute.nameRange, value: attribute.expr.range });
    this.placeNested(file, attribute.expr, at);
  }

  /** The items of list and object literals, at every depth, for errors inside a value. */
  private placeNested(file: string, expr: Expr, at: (string | number)[]): void {
    if (expr.kind === 'tuple')
      expr.items.forEach((item, i) => {
        this.source.place([...at, i], { file, key: item.range, value: item.range });
        this.placeNested(file, item, [...at, i]);
      });
    if (expr.kind === 'object')
      for (const item of expr.items) {
        const key =
          item.key.kind === 'literal'
            ? item.key.value
            : item.key.kind === 'template' && item.key.parts.length === 1 && 'text' in item.key.parts[0]!
              ? item.key.parts[0].text
              : undefined;
        if (typeof key !== 'string') continue;
        this.source.place([...at, key], { file, key: item.key.range, value: item.value.range });
        this.placeNested(file, item.value, [...at, key]);
      }
  }
}

/** True when an expression anywhere in `body` uses the root name `root` (source.name, build.ID). */
function mentions(body: Body, root: string): boolean {
  let found = false;
  const walk = (value: unknown): void => {
    if (found || !value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(walk);
    const e = value as Expr;
    if (e.kind === 'variable' && e.name === root) found = true;
    for (const [key, child] of Object.entries(value)) if (key !== 'range' && key !== 'nameRange') walk(child);
  };
  walk(body);
  return found;
}
