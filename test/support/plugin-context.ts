import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { DiskImageArtifact } from '../../src/core/artifact.js';
import type { PostProcessor, RunContext } from '../../src/core/plugin.js';
import { checkSchema } from '../../src/template/schema.js';
import { render } from '../../src/template/interpolate/render.js';
import { testScope } from './render.js';
import { recordingUi } from './ssh.js';

/** Renders late-bound fields with the runner's own renderer, in the interpolation tests' fixed scope. */
export const renderFields: RunContext['render'] = (template, fields) =>
  render(template, { scope: testScope(), fields });

export interface RunContextOptions {
  signal?: AbortSignal;
  buildName?: string;
  /** The run's start (the default is now); a fixed one makes timestamps in outputs predictable. */
  startedAt?: Date;
  /** How late-bound fields render; the default leaves options as they are. */
  render?: RunContext['render'];
}

/** A run context for calling a plugin directly, with a UI that records what it says. */
export function runContext(dir: string, options: RunContextOptions = {}) {
  const { signal = new AbortController().signal, buildName = 'small', startedAt = new Date() } = options;
  const ui = recordingUi();
  const ctx = {
    buildName,
    packerBuildName: buildName,
    buildType: 'qemu',
    ui,
    signal,
    prompt: { ask: async () => '' },
    debug: false,
    log: () => {},
    render: options.render ?? ((s: string) => s),
    templateDir: dir,
    cwd: dir,
    runUuid: 'run',
    startedAt,
    redact: <T>(v: T) => v,
    secretValues: () => [],
    force: false,
  } as unknown as RunContext;
  return { ctx, ui };
}

/** A post-processor's config from template options, as the loader makes it (schema defaults, then prepare). */
export function preparePostProcessor<C>(
  pp: PostProcessor<C>,
  options: Record<string, unknown>,
  dir: string,
): { config: C; warnings: string[] } {
  const o = { ...options };
  expect(checkSchema(pp.schema, o)).toEqual([]);
  const warnings: string[] = [];
  const problems = {
    error: (at: unknown, m: string) => {
      throw new Error(`${JSON.stringify(at)}: ${m}`);
    },
    warn: (_at: unknown, m: string) => void warnings.push(m),
  };
  return {
    config: pp.prepare(o, { problems, templateDir: dir, templateName: 'small', buildName: 'small', buildType: 'qemu' }),
    warnings,
  };
}

/**
 * A qcow2 of `megabytes` with random data at the given 16 KiB-block ranges (the rest
 * unallocated), as a qemu build's artifact, with the raw file and its SHA-256.
 */
export function smallDisk(
  dir: string,
  size = '64M',
  ranges: [number, number][] = [
    [0, 3],
    [1000, 17],
    [4095, 1],
  ],
  firmware: 'bios' | 'efi' = 'efi',
): { artifact: DiskImageArtifact; sha256: string; raw: string } {
  const raw = path.join(dir, 'small.raw');
  execFileSync('truncate', ['-s', size, raw]);
  for (const [seek, count] of ranges)
    execFileSync('dd', [
      'if=/dev/urandom',
      `of=${raw}`,
      'bs=16k',
      `seek=${seek}`,
      `count=${count}`,
      'conv=notrunc',
      'status=none',
    ]);
  const sha256 = createHash('sha256').update(readFileSync(raw)).digest('hex');
  const qcow2 = path.join(dir, 'small.qcow2');
  execFileSync('qemu-img', ['convert', '-O', 'qcow2', raw, qcow2]);
  return {
    sha256,
    raw,
    artifact: {
      builderId: 'transcend.qemu',
      kind: 'qemu-disk',
      id: 'small',
      files: [qcow2],
      description: 'a small disk',
      destroy: async () => {},
      disk: {
        format: 'qcow2',
        accelerator: 'tcg',
        firmware: firmware === 'efi' ? { kind: 'efi', code: '/usr/share/OVMF/OVMF_CODE.fd' } : { kind: 'bios' },
      },
    },
  };
}
