import type { ConfigProblems } from '../core/plugin.js';
import type { StagedMedia } from '../util/stage-files.js';
import { checkMediaPaths, type Options } from './options.js';

/** A 1.44 MB floppy's files and volume label. */
export interface FloppyConfig extends StagedMedia {
  label: string;
}

/** A CD made from files for the guest (a cloud-init seed, say). */
export interface CdConfig extends StagedMedia {
  label: string | undefined;
}

/** Packer's floppy options; a FAT volume label has at most 11 characters. */
export const floppyOptions = {
  floppy_files: { type: 'array', items: { type: 'string', minLength: 1 } },
  floppy_dirs: { type: 'array', items: { type: 'string', minLength: 1 } },
  floppy_content: { type: 'object', additionalProperties: { type: 'string' } },
  floppy_label: { type: 'string', minLength: 1, maxLength: 11, pattern: '^[A-Za-z0-9 _-]+$', default: 'packer' },
};

export const cdOptions = {
  cd_files: { type: 'array', items: { type: 'string', minLength: 1 } },
  cd_content: { type: 'object', additionalProperties: { type: 'string' } },
  cd_label: { type: 'string', minLength: 1, maxLength: 32 },
};

/** floppy_files, floppy_dirs and floppy_content; paths that cannot exist are reported before the build starts. */
export function prepareFloppy(o: Options, p: ConfigProblems): FloppyConfig {
  checkMediaPaths(o, ['floppy_files', 'floppy_dirs'], p);
  return {
    files: (o.floppy_files as string[] | undefined) ?? [],
    dirs: (o.floppy_dirs as string[] | undefined) ?? [],
    content: (o.floppy_content as Record<string, string> | undefined) ?? {},
    label: o.floppy_label as string,
  };
}

export function prepareCd(o: Options, p: ConfigProblems): CdConfig {
  checkMediaPaths(o, ['cd_files'], p);
  return {
    files: (o.cd_files as string[] | undefined) ?? [],
    dirs: [],
    content: (o.cd_content as Record<string, string> | undefined) ?? {},
    label: o.cd_label as string | undefined,
  };
}
