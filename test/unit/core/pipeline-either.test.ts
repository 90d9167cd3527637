import { describe, expect, it } from 'vitest';
import { Pipeline, type PipelineStep } from '../../../src/core/pipeline.js';
import type { RunContext } from '../../../src/core/plugin.js';
import { ResourceLedger, runSteps } from '../../../src/core/steps.js';

const ctx = {
  buildName: 'b',
  signal: new AbortController().signal,
  log: () => {},
  ui: { say: () => {}, message: () => {}, error: () => {} },
} as unknown as RunContext;
const policy = { onError: 'cleanup' as const, debug: false, ledger: new ResourceLedger() };

/** A step that records its run and cleanup in `events`. */
function step<Out extends object>(name: string, events: string[], out: Out): PipelineStep<object, Out> {
  return {
    name,
    run: async () => {
      events.push(`run ${name}`);
      return out;
    },
    cleanup: async () => void events.push(`cleanup ${name}`),
  };
}

function pipeline(events: string[], finished: boolean) {
  return Pipeline.start()
    .then(step('define', events, { finished }))
    .either(
      (s) => s.finished,
      (from) => from.then(step('start', events, { running: 1 })).then(step('shutdown', events, { stopped: 'booted' })),
      step('take-finished', events, { stopped: 'as it was' }),
    )
    .then({ name: 'export', run: async (s: { stopped: string }) => (events.push(`export ${s.stopped}`), {}) });
}

describe('Pipeline.either', () => {
  it('runs the main steps and cleans them up when the state does not say to skip them', async () => {
    const events: string[] = [];
    await pipeline(events, false).run((steps, state) => runSteps(steps, state, ctx, policy));
    expect(events).toEqual([
      'run define',
      'run start',
      'run shutdown',
      'export booted',
      'cleanup shutdown',
      'cleanup start',
      'cleanup define',
    ]);
  });

  it('runs only the one step instead, and cleans up only what ran', async () => {
    const events: string[] = [];
    await pipeline(events, true).run((steps, state) => runSteps(steps, state, ctx, policy));
    expect(events).toEqual([
      'run define',
      'run take-finished',
      'export as it was',
      'cleanup take-finished',
      'cleanup define',
    ]);
  });
});
