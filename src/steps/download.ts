import type { SourceConfig } from '../config/source.js';
import type { PipelineStep } from '../core/pipeline.js';
import { obtain } from '../util/download.js';

/** Fetches the source (ISO, disk image or appliance) into the shared cache and checks its checksum. */
export function stepDownload(source: SourceConfig, option?: string): PipelineStep<object, { source: string }> {
  return {
    name: 'download',
    async run(_state, ctx) {
      return { source: await obtain(source.urls, source.checksum, { ui: ctx.ui, signal: ctx.signal, option }) };
    },
  };
}
