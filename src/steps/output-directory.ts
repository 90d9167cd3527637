import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../base/errors.js';
import type { PipelineStep } from '../core/pipeline.js';

/** The build's output directory; it is removed again unless the export completed. */
export class OutputDirectory {
  private done = false;
  constructor(
    readonly path: string,
    /** As the template named it, for messages. */
    readonly name: string,
  ) {}

  /** Marks the output finished, so that cleanup keeps it. */
  complete(): void {
    this.done = true;
  }

  get completed(): boolean {
    return this.done;
  }
}

/** Creates output_directory: refused if it exists and is not empty, unless -force. */
export function stepOutputDirectory(
  outputDirectory: string,
  cwd: string,
  force: boolean,
): PipelineStep<object, { output: OutputDirectory }> {
  return {
    name: 'output-directory',
    async run(_state, ctx) {
      const dir = path.resolve(cwd, outputDirectory);
      if (existsSync(dir) && readdirSync(dir).length > 0) {
        if (!force)
          throw new UserError(
            `output directory ${outputDirectory} already exists`,
            'remove it, choose another "output_directory", or build with -force',
          );
        ctx.ui.say(`Deleting the previous output directory ${outputDirectory} (-force)`);
        await rm(dir, { recursive: true, force: true });
      }
      await mkdir(dir, { recursive: true });
      return { output: new OutputDirectory(dir, outputDirectory) };
    },
    async cleanup({ output }) {
      // A failed or cancelled build leaves no half-written output that looks finished.
      if (!output.completed) await rm(output.path, { recursive: true, force: true });
    },
    leftover: ({ output }) => (output.completed ? undefined : `the unfinished output directory ${output.path}`),
  };
}
