import path from 'node:path';
import type { CdConfig, FloppyConfig } from '../config/media.js';
import type { PipelineStep } from '../core/pipeline.js';
import { makeFloppy } from '../formats/floppy.js';
import { runHostTool } from '../util/host-tool.js';
import { hasMedia, stageMedia } from '../util/stage-files.js';
import { makeTempDir, removeTempDir } from '../util/temp-dir.js';

/** An image made for the build (a floppy, a CD) in a temporary folder of its own. */
export interface MadeImage {
  file: string;
  dir: string;
}

const removeFolder = async (image: MadeImage | undefined) => {
  if (image) await removeTempDir(image.dir);
};

/** Makes a 1.44 MB FAT floppy of floppy_files, floppy_dirs and floppy_content (Windows answer files, kickstarts). */
export function stepFloppy(floppy: FloppyConfig): PipelineStep<object, { floppy: MadeImage | undefined }> {
  return {
    name: 'floppy',
    async run(_state, ctx) {
      if (!hasMedia(floppy)) return { floppy: undefined };
      const dir = await makeTempDir('floppy');
      try {
        const stage = path.join(dir, 'root');
        await stageMedia(stage, floppy, 'floppy');
        ctx.ui.say(`Creating a floppy with label "${floppy.label}" from floppy_files/floppy_dirs/floppy_content...`);
        const file = path.join(dir, 'floppy.img');
        await makeFloppy(stage, file, floppy.label, ctx.signal);
        return { floppy: { file, dir } };
      } catch (err) {
        await removeTempDir(dir);
        throw err;
      }
    },
    cleanup: ({ floppy: made }) => removeFolder(made),
    leftover: ({ floppy: made }) => (made ? `the floppy staging folder ${made.dir}` : undefined),
  };
}

/** Makes an ISO of cd_files and cd_content (e.g. a cloud-init "cidata" seed) with xorriso. */
export function stepCd(cd: CdConfig): PipelineStep<object, { cd: MadeImage | undefined }> {
  return {
    name: 'cd-files',
    async run(_state, ctx) {
      if (!hasMedia(cd)) return { cd: undefined };
      const dir = await makeTempDir('cd');
      try {
        const stage = path.join(dir, 'root');
        await stageMedia(stage, cd, 'cd');
        const file = path.join(dir, 'cd.iso');
        ctx.ui.say(`Creating a CD with ${cd.label ? `label "${cd.label}"` : 'no label'} from cd_files/cd_content...`);
        await runHostTool(
          'xorriso',
          ['-as', 'mkisofs', '-quiet', '-J', '-R', ...(cd.label ? ['-V', cd.label] : []), '-o', file, stage],
          { signal: ctx.signal, log: ctx.log, debianPackage: 'xorriso' },
        );
        return { cd: { file, dir } };
      } catch (err) {
        await removeTempDir(dir);
        throw err;
      }
    },
    cleanup: ({ cd: made }) => removeFolder(made),
    leftover: ({ cd: made }) => (made ? `the CD staging folder ${made.dir}` : undefined),
  };
}
