import { readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../base/errors.js';
import type { PipelineStep } from '../core/pipeline.js';
import { freshDirectory } from '../util/fresh-directory.js';

/** The build's output directory; what the build put in it is removed again unless the export completed. */
export class OutputDirectory {
  private done = false;
  constructor(
    readonly path: string,
    /** As the template named it, for messages. */
    readonly name: string,
    /** False when the (empty) directory was there before: cleanup then empties it and leaves it. */
    readonly created: boolean,
    /** Where -force moved the previous output until the new source is known to be good. */
    public previous: string | undefined,
  ) {}

  /** Marks the output finished, so that cleanup keeps it. */
  complete(): void {
    this.done = true;
  }

  get completed(): boolean {
    return this.done;
  }
}

/**
 * Creates output_directory: refused if it exists and is not empty, unless -force. With -force
 * the old output is moved aside, and deleted only once the source is downloaded and verified
 * (stepDiscardPreviousOutput); a build that fails before then puts it back.
 */
export function stepOutputDirectory(outputDirectory: string): PipelineStep<object, { output: OutputDirectory }> {
  return {
    name: 'output-directory',
    async run(_state, ctx) {
      const dir = path.resolve(ctx.cwd, outputDirectory);
      const { existed, previous } = await freshDirectory(
        dir,
        ctx.force,
        () =>
          new UserError(
            `output directory ${outputDirectory} already exists`,
            'remove it, choose another "output_directory", or build with -force',
          ),
      );
      if (previous)
        ctx.ui.say(
          `Moved the previous output directory ${outputDirectory} aside (-force): it is deleted once the source is ready`,
        );
      return { output: new OutputDirectory(dir, outputDirectory, !existed || previous !== undefined, previous) };
    },
    async cleanup({ output }) {
      // A failed or cancelled build leaves no half-written output that looks finished.
      if (!output.completed) {
        if (output.created) await rm(output.path, { recursive: true, force: true });
        else
          for (const entry of readdirSync(output.path))
            await rm(path.join(output.path, entry), { recursive: true, force: true });
      }
      if (output.previous && !output.completed) await rename(output.previous, output.path);
    },
    leftover: ({ output }) =>
      [
        output.completed ? undefined : `the unfinished output directory ${output.path}`,
        output.previous ? `the previous output, moved aside by -force, at ${output.previous}` : undefined,
      ]
        .filter(Boolean)
        .join('; ') || undefined,
  };
}

/** Deletes the output -force moved aside, now that the new source is downloaded and verified. */
export function stepDiscardPreviousOutput(): PipelineStep<{ output: OutputDirectory }, object> {
  return {
    name: 'previous-output',
    async run({ output }, ctx) {
      if (!output.previous) return {};
      await rm(output.previous, { recursive: true, force: true });
      output.previous = undefined;
      ctx.ui.say(`Deleted the previous output of ${output.name}`);
      return {};
    },
  };
}
