import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../base/errors.js';

/** What goes onto a CD or floppy made for the guest, as Packer's *_files, *_dirs and *_content options give it. */
export interface StagedMedia {
  /** Paths or "*" patterns; "dir/" copies a folder's contents, "dir" the folder itself. */
  files: string[];
  /** Folders copied with their tree; a trailing slash copies only what is inside. */
  dirs: string[];
  /** File name inside the medium → its text. */
  content: Record<string, string>;
}

/** Copies the media's files into `stage`; a pattern that matches nothing is named by its option (cd_files, floppy_dirs). */
export async function stageMedia(stage: string, media: StagedMedia, medium: 'cd' | 'floppy'): Promise<void> {
  await mkdir(stage, { recursive: true });
  for (const [key, patterns] of [
    [`${medium}_files`, media.files],
    [`${medium}_dirs`, media.dirs],
  ] as const) {
    for (const pattern of patterns) {
      const matches = expandPattern(pattern);
      if (matches.length === 0)
        throw new UserError(
          `${key}: "${pattern}" matches no file`,
          'paths are relative to the directory boxwright runs in',
        );
      for (const file of matches)
        await cp(file, pattern.endsWith('/') ? stage : path.join(stage, path.basename(file)), { recursive: true });
    }
  }
  for (const [name, content] of Object.entries(media.content)) {
    await mkdir(path.dirname(path.join(stage, name)), { recursive: true });
    await writeFile(path.join(stage, name), content);
  }
}

export function hasMedia(media: StagedMedia): boolean {
  return media.files.length > 0 || media.dirs.length > 0 || Object.keys(media.content).length > 0;
}

/** A path, or a "*" pattern in its last part. */
function expandPattern(pattern: string): string[] {
  const clean = pattern.replace(/\/$/, '');
  if (!clean.includes('*')) return existsSync(clean) ? [clean] : [];
  const dir = path.dirname(clean);
  const re = new RegExp(
    `^${path
      .basename(clean)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')}$`,
  );
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => re.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}
