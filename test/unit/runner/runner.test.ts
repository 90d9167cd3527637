import { describe, expect, it } from 'vitest';
import { runBuild } from '../../../src/runner/build.js';
import { runBuilds } from '../../../src/runner/runner.js';
import { plannedBuild, recordingBuilder, testSettings, type Script } from '../../support/run.js';

const steps = ['create-dir', 'start-vm', 'wait-ssh', 'shutdown'];

async function runOne(script: Script, options: Parameters<typeof testSettings>[0] = {}) {
  const events: string[] = [];
  const t = testSettings(options);
  const result = await runBuild(plannedBuild('b', recordingBuilder(events, script), script), t.settings);
  return { events, result, ...t };
}

describe('steps and cleanup', () => {
  it('cleans up every step in reverse order after success', async () => {
    const { events, result } = await runOne({ steps });
    expect(result.ok).toBe(true);
    expect(events).toEqual([
      'b:run:create-dir',
      'b:run:start-vm',
      'b:run:wait-ssh',
      'b:run:shutdown',
      'b:cleanup:shutdown',
      'b:cleanup:wait-ssh',
      'b:cleanup:start-vm',
      'b:cleanup:create-dir',
    ]);
  });

  it('cleans up only the steps that started, in reverse, when a step fails', async () => {
    const { events, result, stderr } = await runOne({ steps, failAt: 'wait-ssh' });
    expect(result).toMatchObject({ ok: false, error: 'step wait-ssh broke', cancelled: false });
    expect(events).toEqual([
      'b:run:create-dir',
      'b:run:start-vm',
      'b:run:wait-ssh',
      'b:cleanup:wait-ssh',
      'b:cleanup:start-vm',
      'b:cleanup:create-dir',
    ]);
    expect(stderr.text).toMatch(/==> b: Build 'b' errored after \d+ milliseconds?: step wait-ssh broke/);
  });

  it('cleans up when cancelled mid-step (Ctrl-C), and reports the build as cancelled', async () => {
    const events: string[] = [];
    const script: Script = { steps, hangAt: 'wait-ssh' };
    const t = testSettings();
    const running = runBuild(plannedBuild('b', recordingBuilder(events, script), script), t.settings);
    await new Promise((r) => setTimeout(r, 50));
    t.controller.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, cancelled: true });
    expect(events).toEqual([
      'b:run:create-dir',
      'b:run:start-vm',
      'b:run:wait-ssh',
      'b:cleanup:wait-ssh',
      'b:cleanup:start-vm',
      'b:cleanup:create-dir',
    ]);
  });

  it('with -on-error=abort leaves the resources and names each one', async () => {
    const { events, stderr, ledger } = await runOne({ steps, failAt: 'wait-ssh' }, { onError: 'abort' });
    expect(events.filter((e) => e.includes('cleanup'))).toEqual([]);
    expect(stderr.text).toContain(
      'Not cleaning up (-on-error=abort). These resources remain and must be removed by hand:',
    );
    expect(stderr.text).toContain('  - resource of start-vm');
    expect(ledger.list().map((r) => r.what)).toEqual([
      'resource of create-dir',
      'resource of start-vm',
      'resource of wait-ssh',
    ]);
  });

  it('still cleans up on Ctrl-C under -on-error=abort', async () => {
    const events: string[] = [];
    const script: Script = { steps, hangAt: 'start-vm' };
    const t = testSettings({ onError: 'abort' });
    const running = runBuild(plannedBuild('b', recordingBuilder(events, script), script), t.settings);
    await new Promise((r) => setTimeout(r, 50));
    t.controller.abort();
    await running;
    expect(events).toContain('b:cleanup:create-dir');
  });

  it('with -on-error=ask retries the step when told to, then cleans up when told to', async () => {
    const { events, stdout } = await runOne(
      { steps, failAt: 'wait-ssh' },
      { onError: 'ask', tty: true, stdin: 'r\nc\n' },
    );
    expect(events.filter((e) => e === 'b:run:wait-ssh')).toHaveLength(2);
    expect(events.at(-1)).toBe('b:cleanup:create-dir');
    expect(stdout.text).toContain('[c] Clean up and exit, [a] abort without cleanup, or [r] retry step');
  });

  it('with -on-error=ask and no terminal, cleans up and says why', async () => {
    const { events, stderr } = await runOne({ steps, failAt: 'start-vm' }, { onError: 'ask' });
    expect(stderr.text).toContain('-on-error=ask needs a terminal');
    expect(events.at(-1)).toBe('b:cleanup:create-dir');
  });

  it('with -debug pauses after each step and before each cleanup', async () => {
    const { stdout } = await runOne({ steps: ['one', 'two'] }, { debug: true, stdin: '\n\n\n\n' });
    expect(stdout.text).toContain("Pausing after run of step 'one'. Press enter to continue.");
    expect(stdout.text).toContain("Pausing before cleanup of step 'two'. Press enter to continue.");
  });
});

describe('running several builds', () => {
  async function maxConcurrency(parallel: number, builds: number): Promise<number> {
    const events: string[] = [];
    const script: Script = { steps: ['work'], stepMs: 80 };
    const t = testSettings();
    let running = 0;
    let max = 0;
    const plans = Array.from({ length: builds }, (_, i) => {
      const builder = recordingBuilder(events, script);
      const run = builder.run.bind(builder);
      builder.run = async (config, ctx) => {
        running++;
        max = Math.max(max, running);
        try {
          return await run(config, ctx);
        } finally {
          running--;
        }
      };
      return plannedBuild(`b${i}`, builder, script);
    });
    const results = await runBuilds(plans, parallel, t.settings);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.name)).toEqual(plans.map((p) => p.name));
    return max;
  }

  it('runs at most -parallel-builds at once', async () => {
    expect(await maxConcurrency(2, 5)).toBe(2);
    expect(await maxConcurrency(1, 3)).toBe(1);
  });

  it('runs all at once when the limit is 0', async () => {
    expect(await maxConcurrency(0, 4)).toBe(4);
  });

  it('keeps running the other builds when one fails', async () => {
    const events: string[] = [];
    const t = testSettings();
    const good: Script = { steps: ['a'] };
    const bad: Script = { steps: ['a'], failAt: 'a' };
    const results = await runBuilds(
      [
        plannedBuild('bad', recordingBuilder(events, bad), bad),
        plannedBuild('good', recordingBuilder(events, good), good),
      ],
      0,
      t.settings,
    );
    expect(results.map((r) => r.ok)).toEqual([false, true]);
  });
});
