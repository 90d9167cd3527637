import { describe, expect, it } from 'vitest';
import type { Builder } from '../../../src/core/plugin.js';
import type { Step } from '../../../src/core/steps.js';
import { runBuild } from '../../../src/runner/build.js';
import { plannedBuild, testSettings } from '../../support/run.js';

/** A builder with one resource whose cleanup does what `cleanup` says. */
function builderWith(cleanup: () => Promise<void>, failAfter = true): Builder {
  return {
    kind: 'builder',
    type: 'cleanup-test',
    produces: 'none',
    schema: { type: 'object' },
    prepare: () => ({}),
    communicator: () => 'none',
    async run(_config, ctx) {
      const steps: Step<object>[] = [
        { name: 'make-thing', run: async () => {}, cleanup, leftover: () => 'thing 42 (remove it with: rm-thing 42)' },
        {
          name: 'fail',
          run: async () => {
            if (failAfter) throw new Error('the next step broke');
          },
        },
      ];
      await ctx.runSteps(steps, {});
      return { builderId: 'test', kind: 'none', id: 'x', files: [], description: '', destroy: async () => {} };
    },
  };
}

describe('what a cleanup leaves', () => {
  it('a cleanup that fails names what may remain and how to remove it', async () => {
    const t = testSettings();
    const result = await runBuild(
      plannedBuild(
        'b',
        builderWith(async () => {
          throw new Error('the daemon is gone');
        }),
        {},
      ),
      t.settings,
    );
    expect(result.ok).toBe(false);
    expect(t.stderr.text).toContain('Error cleaning up (make-thing): the daemon is gone');
    expect(t.stderr.text).toContain(
      'This may remain and need removing by hand: thing 42 (remove it with: rm-thing 42)',
    );
  });

  it('while a cleanup runs, the list a second Ctrl-C prints says its removal had begun', async () => {
    const t = testSettings();
    let finish!: () => void;
    let cleaning!: () => void;
    const started = new Promise<void>((r) => (cleaning = r));
    const build = runBuild(
      plannedBuild(
        'b',
        builderWith(() => (cleaning(), new Promise<void>((r) => (finish = r)))),
        {},
      ),
      t.settings,
    );
    await started;
    expect(t.ledger.list()).toEqual([
      { build: 'b', what: 'possibly thing 42 (remove it with: rm-thing 42): its removal had begun' },
    ]);
    finish();
    await build;
    expect(t.ledger.list()).toEqual([]);
  });
});
