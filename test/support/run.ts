import { PassThrough } from 'node:stream';
import type { Artifact } from '../../src/core/artifact.js';
import type { RunSettings } from '../../src/runner/build.js';
import { sleep } from '../../src/base/errors.js';
import { DebugLog } from '../../src/core/log.js';
import type { Builder, OnErrorPolicy } from '../../src/core/plugin.js';
import { Prompt } from '../../src/core/prompt.js';
import { Redactor } from '../../src/core/redact.js';
import { ResourceLedger, type Step } from '../../src/core/steps.js';
import { Output } from '../../src/core/ui.js';
import type { PlannedBuild } from '../../src/template/plan.js';
import { Capture } from './cli.js';

/** How a recording build behaves: which step fails, which waits to be cancelled. */
export interface Script {
  steps: string[];
  failAt?: string;
  hangAt?: string;
  /** How long each step takes, to observe concurrency. */
  stepMs?: number;
}

/**
 * A builder for exercising the runner: every step records run and cleanup into `events`,
 * so tests can assert order. It is a real Builder run by the real step runner.
 */
export function recordingBuilder(events: string[], script: Script): Builder<Script> {
  return {
    kind: 'builder',
    type: 'recording',
    produces: 'none',
    schema: { type: 'object' },
    prepare: () => script,
    communicator: () => 'none',
    async run(config, ctx) {
      const steps: Step<object>[] = config.steps.map((name) => ({
        name,
        async run() {
          events.push(`${ctx.buildName}:run:${name}`);
          if (config.stepMs) await sleep(config.stepMs, ctx.signal);
          if (name === config.hangAt) await sleep(60_000, ctx.signal);
          if (name === config.failAt) throw new Error(`step ${name} broke`);
        },
        async cleanup() {
          events.push(`${ctx.buildName}:cleanup:${name}`);
        },
        leftover: () => `resource of ${name}`,
      }));
      await ctx.runSteps(steps, {});
      const artifact: Artifact = {
        builderId: 'test.recording',
        kind: 'none',
        id: ctx.buildName,
        files: [],
        description: `recorded ${ctx.buildName}`,
        destroy: async () => {},
      };
      return artifact;
    },
  };
}

export function plannedBuild<C>(name: string, builder: Builder<C>, config: C): PlannedBuild {
  return {
    name,
    packerName: name,
    type: builder.type,
    builder: builder as Builder,
    config,
    communicator: 'none',
    provisioners: [],
    errorCleanupProvisioner: undefined,
    chains: [],
  };
}

export interface TestSettings {
  settings: RunSettings;
  stdout: Capture;
  stderr: Capture;
  controller: AbortController;
  ledger: ResourceLedger;
}

/** Run settings writing to captured streams, with `stdin` as the answers to prompts. */
export function testSettings(
  options: { onError?: OnErrorPolicy; debug?: boolean; stdin?: string; tty?: boolean } = {},
): TestSettings {
  const stdout = new Capture();
  const stderr = new Capture();
  const redactor = new Redactor();
  const log = DebugLog.fromEnv({}, redactor);
  const output = new Output({ machineReadable: false, color: false, timestamps: false }, redactor, log, {
    stdout,
    stderr,
  });
  const input = new PassThrough();
  if (options.tty) Object.assign(input, { isTTY: true });
  input.end(options.stdin ?? '');
  const controller = new AbortController();
  const ledger = new ResourceLedger();
  const settings: RunSettings = {
    onError: options.onError ?? 'cleanup',
    debug: options.debug ?? false,
    force: false,
    runUuid: 'run-uuid',
    scope: {
      section: 'template',
      userVariable: () => undefined,
      variableNames: () => [],
      env: () => '',
      initTime: new Date(0),
      templateDir: '/tmp',
      pwd: '/tmp',
    },
    output,
    prompt: new Prompt(input),
    log,
    ledger,
    signal: controller.signal,
    fingerprint: true,
    checkpoints: false,
  };
  return { settings, stdout, stderr, controller, ledger };
}
