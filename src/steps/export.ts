import type { PipelineStep } from '../core/pipeline.js';
import type { ExportResult, StoppedVm } from '../machines/driver.js';
import type { OutputDirectory } from './output-directory.js';

/** Detaches the build's media and forwards, so the export carries none of them. */
export function stepDetachMedia(): PipelineStep<{ stopped: StoppedVm }, object> {
  return {
    name: 'detach-media',
    async run({ stopped }, ctx) {
      await stopped.detachBuildMedia(ctx);
      return {};
    },
  };
}

/** Writes the family's artifact; only then is the output directory kept. */
export function stepExport(): PipelineStep<
  { stopped: StoppedVm; output: OutputDirectory },
  { exported: ExportResult }
> {
  return {
    name: 'export',
    async run({ stopped, output }, ctx) {
      const exported = await stopped.export(ctx);
      output.complete();
      return { exported };
    },
  };
}
