import type { Communicator } from '../core/communicator.js';
import type { FunctionScope } from '../template/interpolate/functions.js';
import { render } from '../template/interpolate/render.js';
import type { PlannedBuild } from '../template/plan.js';
import type { Artifact } from '../core/artifact.js';
import { formatElapsed } from '../base/duration.js';
import { CancelledError, messageOf } from '../base/errors.js';
import type { DebugLog } from '../core/log.js';
import path from 'node:path';
import type {
  BuildContext,
  OnErrorPolicy,
  ProvisionCheckpoints,
  CheckpointCache,
  ProvisionContext,
  RunContext,
} from '../core/plugin.js';
import { checkpointKeys } from '../core/checkpoint-keys.js';
import type { Prompt } from '../core/prompt.js';
import { FingerprintRecorder } from './fingerprint-hook.js';
import { runProvisioners } from './provision-hook.js';
import { buildValuesOf, noMachineBuildValues, secretBuildValues } from './build-values.js';
import type { BuildValues } from '../core/build-values.js';
import { publicWord } from '../core/redact.js';
import { runSteps, type ResourceLedger, type Step } from '../core/steps.js';
import type { Output } from '../core/ui.js';

export interface RunSettings {
  onError: OnErrorPolicy;
  debug: boolean;
  force: boolean;
  runUuid: string;
  /** The scope late-bound fields are rendered in (functions still work there). */
  scope: Omit<FunctionScope, 'buildName' | 'buildType'>;
  output: Output;
  prompt: Prompt;
  log: DebugLog;
  ledger: ResourceLedger;
  signal: AbortSignal;
  /** Fingerprint every build after provisioning (false: only where a fingerprint provisioner stands). */
  fingerprint: boolean;
  /** Keep and resume from checkpoints after provisioners (false with -no-checkpoints). */
  checkpoints: false | CheckpointCache;
}

export type BuildResult =
  | { name: string; ok: true; artifacts: Artifact[]; elapsedMs: number }
  | { name: string; ok: false; error: string; cancelled: boolean; elapsedMs: number };

/** Runs one build: the builder (with the provision hook), then every post-processor chain. */
export async function runBuild(build: PlannedBuild, settings: RunSettings): Promise<BuildResult> {
  const ui = settings.output.forBuild(build.name);
  const started = Date.now();
  const scope: FunctionScope = { ...settings.scope, buildName: build.name, buildType: build.type };
  // Taken before the run adds values that differ from run to run (build.* passwords and keys).
  const templateSecrets = settings.output.redactor.values();
  const base: RunContext = {
    buildName: build.name,
    packerBuildName: build.packerName,
    buildType: build.type,
    ui,
    signal: settings.signal,
    prompt: settings.prompt,
    debug: settings.debug,
    log: (line) => settings.log.write(`[${build.name}] ${line}`),
    render: (template, fields) => render(template, { scope, fields }),
    templateDir: settings.scope.templateDir,
    cwd: settings.scope.pwd,
    runUuid: settings.runUuid,
    startedAt: settings.scope.initTime,
    redact: (value) => settings.output.redactor.redactValue(value),
    secretValues: () => templateSecrets,
    force: settings.force,
  };
  const recorder = new FingerprintRecorder(build, settings.fingerprint);
  const readsBuildValues = [...build.provisioners, build.errorCleanupProvisioner, ...build.chains.flat()].some(
    (p) => p?.late,
  );
  // What build.* reads (HCL2): known once the machine is up, kept for the post-processors.
  let buildValues: BuildValues | undefined;
  const ctx: BuildContext = {
    ...base,
    onError: settings.onError,
    runSteps: <S>(steps: Step<S>[], state: S) =>
      runSteps(steps, state, base, { onError: settings.onError, debug: settings.debug, ledger: settings.ledger }),
    checkpointCache: settings.checkpoints || { dir: '', maxBytes: 0 },
    checkpointKeys: async (base) =>
      settings.checkpoints && build.provisioners.length
        ? checkpointKeys(
            base,
            build.provisioners.map((p) => ({
              type: p.type,
              config: p.config,
              // Marked "reproducible": false, or unable to list what it sends: the keys end here.
              inputs: p.reproducible ? p.plugin.localInputs?.(p.config as never) : undefined,
            })),
            settings.scope.pwd,
            settings.checkpoints.dir,
          )
        : undefined,
    provisionedFingerprint: () => recorder.taken,
    adoptProvisioning: ({ fingerprint }) => {
      if (readsBuildValues || (recorder.wanted && !fingerprint)) return false;
      recorder.taken = recorder.wanted ? fingerprint : undefined;
      return true;
    },
    provision: async (communicator, generated = {}, machineId, checkpoints) => {
      if (readsBuildValues) {
        buildValues = await buildValuesOf(communicator, generated, settings.runUuid, machineId);
        settings.output.redactor.add(...secretBuildValues(buildValues));
      }
      const withFingerprint: RunContext & Pick<ProvisionContext, 'takeFingerprint'> = {
        ...base,
        takeFingerprint: () => recorder.take(communicator, base),
      };
      await provisionWithErrorCleanup(
        build,
        communicator,
        withFingerprint,
        settings.onError,
        generated,
        buildValues,
        checkpoints,
      );
      await recorder.afterProvisioning(communicator, base);
    },
  };
  try {
    const artifact = await build.builder.run(build.config, ctx);
    if (recorder.taken) {
      artifact.fingerprint = recorder.taken;
      const file = await recorder.write(base);
      if (file) ui.say(`Wrote the fingerprint to ${path.relative(base.cwd, file)}`);
    }
    const artifacts = await runPostProcessors(
      build,
      artifact,
      base,
      buildValues ?? noMachineBuildValues(settings.runUuid),
    );
    const elapsedMs = Date.now() - started;
    settings.output.plain(`Build '${build.name}' finished after ${formatElapsed(elapsedMs)}.`);
    return { name: build.name, ok: true, artifacts, elapsedMs };
  } catch (err) {
    const elapsedMs = Date.now() - started;
    const cancelled = err instanceof CancelledError || settings.signal.aborted;
    const error = cancelled ? 'Build was cancelled.' : messageOf(err);
    settings.log.write(`[${build.name}] failed: ${err instanceof Error && err.stack ? err.stack : error}`);
    ui.error(`Build '${build.name}' errored after ${formatElapsed(elapsedMs)}: ${error}`);
    return { name: build.name, ok: false, error, cancelled, elapsedMs };
  }
}

async function provisionWithErrorCleanup(
  build: PlannedBuild,
  communicator: Communicator,
  ctx: RunContext & Pick<ProvisionContext, 'takeFingerprint'>,
  onError: OnErrorPolicy,
  generated: Record<string, string>,
  buildValues: BuildValues | undefined,
  checkpoints: ProvisionCheckpoints | undefined,
): Promise<void> {
  try {
    await runProvisioners(build.provisioners, communicator, ctx, generated, buildValues, checkpoints);
  } catch (err) {
    const cleanup = build.errorCleanupProvisioner;
    if (cleanup && !(err instanceof CancelledError) && onError !== 'abort') {
      ctx.ui.say('Provisioning step had errors: Running the cleanup provisioner, if present...');
      try {
        await runProvisioners([cleanup], communicator, ctx, generated, buildValues);
      } catch (cleanupErr) {
        ctx.ui.error(`The error-cleanup-provisioner failed too: ${messageOf(cleanupErr)}`);
      }
    }
    throw err;
  }
}

/**
 * Post-processor chains with Packer's rules: each post-processor's input is kept when it
 * says so or keep_input_artifact is true; the builder's artifact survives if any chain's
 * first post-processor keeps it (or there are no post-processors).
 */
async function runPostProcessors(
  build: PlannedBuild,
  builderArtifact: Artifact,
  ctx: RunContext,
  buildValues: BuildValues,
): Promise<Artifact[]> {
  if (build.chains.length === 0) return [builderArtifact];
  const artifacts: Artifact[] = [];
  let keepBuilderArtifact = false;
  for (const chain of build.chains) {
    let prior = builderArtifact;
    for (let i = 0; i < chain.length; i++) {
      const pp = chain[i]!;
      if (ctx.signal.aborted) throw new CancelledError('Build was cancelled.');
      ctx.ui.say(
        `Running post-processor: ${pp.name === pp.type ? publicWord(pp.type) : `${pp.name} (type ${publicWord(pp.type)})`}`,
      );
      let result;
      try {
        result = await pp.plugin.process(pp.late ? pp.late(buildValues) : pp.config, prior, ctx);
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        throw new Error(`post-processor ${pp.type} (${pp.label}) failed: ${messageOf(err)}`);
      }
      // What a post-processor makes of the machine is still that machine.
      result.artifact.fingerprint ??= prior.fingerprint;
      const keep = result.forceKeep ? true : (pp.keepInputArtifact ?? result.keepInput);
      if (i === 0) keepBuilderArtifact ||= keep;
      else if (keep) artifacts.push(prior);
      else if (prior !== result.artifact) await destroy(prior, ctx);
      prior = result.artifact;
    }
    artifacts.push(prior);
  }
  if (keepBuilderArtifact) artifacts.unshift(builderArtifact);
  else if (!artifacts.includes(builderArtifact)) await destroy(builderArtifact, ctx);
  return dedupe(artifacts);
}

async function destroy(artifact: Artifact, ctx: RunContext): Promise<void> {
  ctx.ui.say(`Deleting the input artifact of the post-processor: ${artifact.id}`);
  await artifact.destroy();
}

function dedupe(list: Artifact[]): Artifact[] {
  return list.filter((a, i) => list.indexOf(a) === i);
}
