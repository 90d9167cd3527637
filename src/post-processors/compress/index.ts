import { stat, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, UserError } from '../../base/errors.js';
import { KINDS_WITH_FILES, type Artifact } from '../../core/artifact.js';
import type { PostProcessor } from '../../core/plugin.js';
import { ParallelGzip } from '../../formats/parallel-gzip.js';
import { chooseGzip } from '../../formats/gzip-engine.js';
import { archiveTime, writeCompressedFile, writeTarball } from '../../formats/tarball.js';
import { xzCompressor } from '../../formats/xz.js';

type Algorithm = 'gzip' | 'xz';

interface CompressConfig {
  output: string;
  archive: 'tar' | undefined;
  algorithm: Algorithm | undefined;
  level: number;
}

/** What Packer's compress makes of an output name: the archive and the compression, from the last two extensions. */
export function detectFormat(output: string, format: string | undefined): { archive?: string; algorithm?: string } {
  const extensions = [...(format ? `${output}.${format}` : output).matchAll(/\.([a-z0-9]+)/g)].map((m) => m[1]!);
  const last = extensions.at(-1);
  if (last === undefined) return { archive: 'tar', algorithm: 'gzip' };
  const archive = extensions.at(-2) === 'tar' ? 'tar' : undefined;
  if (last === 'zip' || last === 'tar') return { archive: last };
  const algorithm = { gz: 'gzip', xz: 'xz', lz4: 'lz4', bgzf: 'bgzf' }[last];
  return algorithm ? { archive, algorithm } : { archive: 'tar', algorithm: 'gzip' };
}

/** Packer's compress: the artifact's files as one .tar, .tar.gz, .tar.xz, or a single file as .gz or .xz. */
export const compressPostProcessor: PostProcessor<CompressConfig> = {
  kind: 'post-processor',
  type: 'compress',
  accepts: KINDS_WITH_FILES,
  produces: 'file',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      output: { type: 'string', default: 'packer_{{.BuildName}}_{{.BuilderType}}' },
      format: { type: 'string' },
      compression_level: { type: 'integer', minimum: -1, default: 6 },
    },
  },
  lateFields: { output: ['BuildName', 'BuilderType'] },
  prepare(o, ctx) {
    const output = (o.output as string) || 'packer_{{.BuildName}}_{{.BuilderType}}';
    const format = (o.format as string | undefined) || undefined;
    const { archive, algorithm } = detectFormat(output, format);
    const where = format ? ['format'] : ['output'];
    if (archive === 'zip')
      ctx.problems.error(where, 'compress: zip archives are not supported yet', 'name the output .tar.gz or .tar.xz');
    if (algorithm === 'lz4' || algorithm === 'bgzf')
      ctx.problems.error(where, `compress: ${algorithm} is not supported yet`, 'use .gz or .xz (or .tar.gz, .tar.xz)');
    // Packer's 0 and -1 mean its default, and anything past 9 is 9.
    const level = o.compression_level as number;
    return {
      output,
      archive: archive === 'tar' ? 'tar' : undefined,
      algorithm: algorithm === 'gzip' || algorithm === 'xz' ? algorithm : undefined,
      level: level <= 0 ? 6 : Math.min(level, 9),
    };
  },
  async process(config, input, ctx) {
    const target = path.resolve(
      ctx.cwd,
      ctx.render(config.output, { BuildName: ctx.buildName, BuilderType: ctx.buildType }),
    );
    await mkdir(path.dirname(target), { recursive: true });
    const gzip = config.algorithm === 'gzip' ? chooseGzip(config.level) : undefined;
    if (gzip?.fallback) ctx.ui.message(gzip.fallback);
    const compressor = gzip
      ? () => new ParallelGzip(gzip.engine)
      : config.algorithm === 'xz'
        ? () => xzCompressor(config.level, ctx.signal)
        : undefined;
    const how = gzip ? `gzip (${gzip.engine.description})` : (config.algorithm ?? 'no compression');
    try {
      if (config.archive === 'tar') {
        ctx.ui.say(`Tarring ${target} with ${how}`);
        const names = input.files.map((f) => path.basename(f));
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice)
          throw new UserError(
            `compress: two files of the artifact are named ${twice}; a tar of their names would hold one`,
          );
        const entries = await Promise.all(
          input.files.map(async (f) => ({ name: path.basename(f), path: f, mode: (await stat(f)).mode & 0o7777 })),
        );
        await writeTarball({
          entries,
          output: target,
          compressor,
          mtime: archiveTime(ctx.startedAt),
          signal: ctx.signal,
        });
      } else {
        if (input.files.length !== 1)
          throw new UserError(
            `compress: ${input.files.length} files to compress without an archive (${input.files.join(', ')}); only one can be`,
            'name the output .tar.gz or .tar.xz to put them in one archive',
          );
        ctx.ui.say(`Archiving ${input.files[0]} with ${how}`);
        await writeCompressedFile(input.files[0]!, target, compressor!, ctx.signal);
      }
    } catch (err) {
      if (config.algorithm === 'xz' && /ENOENT/.test(messageOf(err)))
        throw new UserError('compress: xz is not installed', 'install the xz-utils package');
      throw err;
    }
    ctx.ui.say(`Archive ${target} completed`);
    const artifact: Artifact = {
      builderId: 'packer.post-processor.compress',
      kind: 'file',
      id: target,
      files: [target],
      description: `compressed artifacts in: ${target}`,
      destroy: () => rm(target, { force: true }),
    };
    return { artifact, keepInput: false };
  },
};
