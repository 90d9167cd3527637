import { readFile, rename, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Artifact, DiskContent } from '../../core/artifact.js';
import type { Fingerprint } from '../../core/fingerprint.js';
import type { PostProcessor } from '../../core/plugin.js';
import { DISK_KINDS, measureContent } from '../../machines/carried-disk.js';
import { UserError } from '../../base/errors.js';
import { withFileLock } from '../../util/file-lock.js';
import { partialNameFor } from '../../util/temp-name.js';

interface ManifestConfig {
  output: string;
  stripPath: boolean;
  stripTime: boolean;
  customData: Record<string, string>;
}

/** One build's record, in Packer's manifest format. */
export interface ManifestBuild {
  name: string;
  builder_type: string;
  build_time: number;
  files: { name: string; size: number }[];
  artifact_id: string;
  packer_run_uuid: string;
  custom_data: Record<string, string>;
  /** boxwright's addition: the raw disk the artifact carries, so artifacts of one disk can be compared. */
  disk?: { sha256: string; bytes: number };
  /** boxwright's addition (amazon-import over EBS direct): the snapshot and the checksum AWS accepted. */
  ebs_direct?: { snapshot_id: string; aggregate_checksum: string; changed_blocks: number };
  /** boxwright's addition: the machine as its build saw it, for `boxwright parity`. */
  fingerprint?: Fingerprint;
}

interface Manifest {
  builds: ManifestBuild[];
  last_run_uuid: string;
}

/** Records each build's artifact in a JSON manifest, appending to an existing one. */
export const manifestPostProcessor: PostProcessor<ManifestConfig> = {
  kind: 'post-processor',
  type: 'manifest',
  accepts: 'any',
  produces: 'input',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      output: { type: 'string', minLength: 1, default: 'packer-manifest.json' },
      strip_path: { type: 'boolean', default: false },
      strip_time: { type: 'boolean', default: false },
      custom_data: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    },
  },
  prepare: (o) => ({
    output: o.output as string,
    stripPath: o.strip_path as boolean,
    stripTime: o.strip_time as boolean,
    customData: o.custom_data as Record<string, string>,
  }),
  async process(config, artifact, ctx) {
    const files = await Promise.all(
      artifact.files.map(async (f) => ({
        name: config.stripPath ? path.basename(f) : f,
        size: (await stat(f).catch(() => ({ size: 0 }))).size,
      })),
    );
    const entry: ManifestBuild = {
      name: ctx.buildName,
      builder_type: ctx.buildType,
      build_time: config.stripTime ? 0 : Math.floor(Date.now() / 1000),
      files,
      artifact_id: artifact.id,
      packer_run_uuid: ctx.runUuid,
      custom_data: config.customData,
    };
    const disk = await diskContent(artifact, ctx.signal);
    if (disk) entry.disk = disk;
    if (artifact.kind === 'amazon-ami' && artifact.ebsDirect)
      entry.ebs_direct = {
        snapshot_id: artifact.ebsDirect.snapshotId,
        aggregate_checksum: artifact.ebsDirect.aggregateChecksum,
        changed_blocks: artifact.ebsDirect.changedBlocks,
      };
    if (artifact.fingerprint) entry.fingerprint = artifact.fingerprint;
    const output = path.resolve(ctx.cwd, config.output);
    await withFileLock(output, async () => {
      const manifest = await readManifest(output);
      manifest.builds.push(ctx.redact(entry));
      manifest.last_run_uuid = ctx.runUuid;
      await mkdir(path.dirname(output), { recursive: true });
      const temp = partialNameFor(output);
      await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
      await rename(temp, output);
    });
    ctx.ui.message(`Added build "${ctx.buildName}" to manifest ${config.output}`);
    return { artifact, keepInput: true, forceKeep: true };
  },
};

/** What disk an artifact carries: measured already, or read now from its disk (or the disk it was made from). */
async function diskContent(artifact: Artifact, signal: AbortSignal): Promise<DiskContent | undefined> {
  if (artifact.content) return artifact.content;
  const source = isDiskKind(artifact) ? artifact : artifact.diskSource;
  if (!source || !isDiskKind(source) || !source.files.every((f) => existsSync(f))) return undefined;
  return measureContent(source, signal);
}

function isDiskKind(artifact: Artifact): boolean {
  return (DISK_KINDS as readonly string[]).includes(artifact.kind);
}

async function readManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { builds: [], last_run_uuid: '' };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Manifest;
    if (!Array.isArray(parsed.builds)) throw new Error('no "builds" list');
    return parsed;
  } catch (err) {
    throw new UserError(
      `the existing manifest ${file} is not a manifest (${(err as Error).message})`,
      'move it aside or choose another "output"',
    );
  }
}
