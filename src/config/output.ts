import type { Options } from './options.js';

/** Where the build writes, and what the machine is called. */
export interface OutputConfig {
  outputDirectory: string;
  vmName: string;
}

export const outputOptions = {
  output_directory: { type: 'string', minLength: 1 },
  vm_name: { type: 'string', minLength: 1 },
  // boxwright's own: false keeps no checkpoint of the disk and resumes from none.
  checkpoints: { type: 'boolean' },
};

/** Packer's defaults: output-BUILDNAME and packer-BUILDNAME. */
export function prepareOutput(o: Options, buildName: string): OutputConfig {
  return {
    outputDirectory: (o.output_directory as string | undefined) ?? `output-${buildName}`,
    vmName: (o.vm_name as string | undefined) ?? `packer-${buildName}`,
  };
}
