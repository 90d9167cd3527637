import { checkpointCap } from '../../core/checkpoint-cap.js';
import path from 'node:path';
import type { BuildResult } from '../../runner/build.js';
import { formatElapsed } from '../../base/duration.js';
import type { OnErrorPolicy } from '../../core/plugin.js';
import { Prompt } from '../../core/prompt.js';
import { Redactor } from '../../core/redact.js';
import { runBuilds } from '../../runner/runner.js';
import { ResourceLedger } from '../../core/steps.js';
import type { Output } from '../../core/ui.js';
import { killAllProcessGroups } from '../../util/process-group.js';
import { cacheDirectory, checkpointDirectory } from '../../util/download.js';
import { forgetRun, recordRun } from '../../util/run-record.js';
import { removeAllTempDirsNow } from '../../util/temp-dir.js';
import { mentionLeftoversOfDiedRuns } from './cleanup.js';
import { compareFingerprints, type Subject } from '../../parity/compare.js';
import { formatReport } from '../../parity/report.js';
import { makeOutput, type CliIo, type OutputFlags } from '../io.js';
import { parityRules } from './parity.js';
import { loadForCommand, newRunUuid, type TemplateFlags } from './load.js';

export interface BuildFlags extends TemplateFlags, OutputFlags {
  parallelBuilds: number;
  onError: OnErrorPolicy;
  force?: boolean;
  debug?: boolean;
  /** False with -fingerprint=false: no fingerprint unless a fingerprint provisioner asks. */
  fingerprint: boolean;
  /** False with -no-checkpoints: every provisioner runs, and no checkpoint is kept. */
  checkpoints: boolean;
  /** What the run does with drift between its builds' fingerprints. */
  parity: 'warn' | 'fail' | 'off';
}

/** `boxwright build`: runs the selected builds; 0 only if every one produced its artifacts. */
export async function buildCommand(templatePath: string, flags: BuildFlags, io: CliIo): Promise<number> {
  const initTime = new Date();
  const redactor = new Redactor();
  const output = makeOutput(io, flags, redactor);
  const loaded = loadForCommand(templatePath, flags, io, output, redactor, initTime);
  if (!loaded) return 1;

  const cap = checkpointCap(io.env);
  if ('error' in cap) {
    output.error(cap.error);
    return 1;
  }
  const cacheDir = cacheDirectory(io.env);
  await mentionLeftoversOfDiedRuns(cacheDir, output);
  // Until this run ends, its record tells the next one, should this process be killed, what to look for.
  const record = recordRun(cacheDir, path.resolve(io.cwd, templatePath));

  const controller = new AbortController();
  const ledger = new ResourceLedger();
  const prompt = new Prompt(io.stdin);
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      output.error(
        `Received ${sig}: cancelling builds and cleaning up. Press Ctrl-C again to stop at once without cleaning up.`,
      );
      controller.abort();
      return;
    }
    // Our scratch directories (scripts, temporary keys) go even now; the rest is listed.
    const removed = removeAllTempDirsNow();
    const left = ledger.list().filter((r) => !removed.some((dir) => r.what.includes(dir)));
    output.error(
      left.length
        ? `Stopped without cleaning up. These resources remain:\n${left.map((r) => `  - ${r.build}: ${r.what}`).join('\n')}`
        : 'Stopped without cleaning up.',
    );
    killAllProcessGroups();
    if (!left.length) forgetRun(record);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  for (const build of loaded.builds) output.forBuild(build.name).say('output will be in this color.');
  output.plain('');

  const templateDir = path.dirname(path.resolve(io.cwd, templatePath));
  const started = Date.now();
  let results: BuildResult[];
  try {
    results = await runBuilds(loaded.builds, flags.debug ? 1 : flags.parallelBuilds, {
      onError: flags.onError,
      debug: Boolean(flags.debug),
      force: Boolean(flags.force),
      runUuid: newRunUuid(),
      scope: {
        section: 'template',
        userVariable: (n) => loaded.variables.values.get(n),
        variableNames: () => [...loaded.variables.declared.keys()],
        env: () => '',
        initTime,
        templateDir,
        pwd: io.cwd,
      },
      output,
      prompt,
      log: output.log,
      ledger,
      signal: controller.signal,
      fingerprint: flags.fingerprint,
      checkpoints: flags.checkpoints && { maxBytes: cap.bytes, dir: checkpointDirectory(io.env) },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    prompt.close();
    forgetRun(record);
  }
  const status = summarize(results, Date.now() - started, controller.signal.aborted, output);
  if (controller.signal.aborted) return status;
  return reportParity(results, flags.parity, output) ? status : 1;
}

/**
 * The run's parity verdict, when two or more builds were fingerprinted. False when the
 * builds drifted and -parity=fail asked for that to fail the run (the artifacts stay).
 */
function reportParity(results: BuildResult[], mode: BuildFlags['parity'], output: Output): boolean {
  if (mode === 'off') return true;
  const subjects: Subject[] = results.flatMap((r) => {
    const fingerprint = r.ok ? r.artifacts.find((a) => a.fingerprint)?.fingerprint : undefined;
    return fingerprint ? [{ label: r.name, fingerprint }] : [];
  });
  if (subjects.length < 2) return true;
  const report = compareFingerprints(subjects, parityRules(subjects, []));
  output.plain('');
  output.say(`Comparing the fingerprints of ${subjects.length} builds (boxwright parity):`);
  for (const line of formatReport(report).split('\n')) output.plain(line);
  output.machine('', 'parity', report.differences.length ? 'drift' : 'equal', String(report.differences.length));
  if (report.differences.length && mode === 'fail') {
    output.error('The builds drifted apart and -parity=fail was given: the run fails (the artifacts are kept).');
    return false;
  }
  return true;
}

/** Packer's closing report: errors, then the artifacts, then machine-readable records. */
function summarize(results: BuildResult[], elapsedMs: number, interrupted: boolean, output: Output): number {
  output.plain('');
  output.say(`Wait completed after ${formatElapsed(elapsedMs)}`);
  const failed = results.filter((r) => !r.ok);
  if (interrupted) {
    output.plain('');
    output.error('Cleanly cancelled builds after being interrupted.');
    return 1;
  }
  if (failed.length) {
    output.plain('');
    output.error("==> Some builds didn't complete successfully and had errors:");
    for (const r of failed) if (!r.ok) output.error(`--> ${r.name}: ${r.error}`);
    output.machine('', 'error-count', String(failed.length));
    for (const r of failed) if (!r.ok) output.machine('', 'error', r.name, r.error);
  }
  const succeeded = results.filter((r): r is Extract<BuildResult, { ok: true }> => r.ok);
  output.plain('');
  if (succeeded.length === 0) {
    output.say('Builds finished but no artifacts were created.');
  } else {
    output.say('Builds finished. The artifacts of successful builds are:');
    for (const r of succeeded) {
      output.machine(r.name, 'artifact-count', String(r.artifacts.length));
      r.artifacts.forEach((a, i) => {
        output.message(`--> ${r.name}: ${a.description}`);
        const n = String(i);
        output.machine(r.name, 'artifact', n, 'builder-id', a.builderId);
        output.machine(r.name, 'artifact', n, 'id', a.id);
        output.machine(r.name, 'artifact', n, 'string', a.description);
        output.machine(r.name, 'artifact', n, 'files-count', String(a.files.length));
        a.files.forEach((f, j) => output.machine(r.name, 'artifact', n, 'file', String(j), f));
        output.machine(r.name, 'artifact', n, 'end');
      });
    }
  }
  return failed.length ? 1 : 0;
}
