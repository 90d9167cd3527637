import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { qemuImg } from '../../util/qemu-img.js';
import type { Exporter } from './driver.js';
import { partialNameFor } from '../../util/temp-name.js';

/** The qemu builder's artifact: the disk as OUTPUT/VM_NAME in qcow2 or raw, compacted unless asked not to. */
export function diskImageExporter(options: {
  format: 'qcow2' | 'raw';
  compress: boolean;
  skipCompaction: boolean;
}): Exporter<never> {
  return {
    async export(input, ctx) {
      const final = path.join(input.outputDir, input.vmName);
      // A layered disk backs onto the checkpoint store: renamed, the artifact would depend on it.
      if (options.format === 'qcow2' && options.skipCompaction && !options.compress && !input.layered) {
        await rename(input.disk, final);
      } else {
        ctx.ui.say(`Converting the disk to ${options.format}${options.compress ? ' (compressed)' : ''}...`);
        const partial = partialNameFor(final);
        try {
          await qemuImg.convert(
            input.disk,
            partial,
            { format: options.format, compress: options.compress && options.format === 'qcow2' },
            ctx.signal,
          );
          await rename(partial, final);
        } finally {
          await rm(partial, { force: true });
        }
        await rm(input.disk, { force: true });
      }
      const keptVars = input.efiVars && path.dirname(input.efiVars) === input.outputDir ? [input.efiVars] : [];
      return {
        files: [final, ...keptVars],
        accelerator: input.accelerator,
      };
    },
  };
}
