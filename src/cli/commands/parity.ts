import { UserError } from '../../base/errors.js';
import { compareFingerprints, templateRules, type Subject } from '../../parity/compare.js';
import { formatReport, reportJson } from '../../parity/report.js';
import { DEFAULT_RULES, parseIgnoreRule, type IgnoreRule } from '../../parity/rules.js';
import { loadSubjects } from '../../parity/sources.js';
import type { CliIo } from '../io.js';

export interface ParityFlags {
  format: 'text' | 'json';
  ignore: string[];
}

/** Exit codes of `boxwright parity`, as the issue and scripts rely on them. */
export const PARITY_EQUAL = 0;
export const PARITY_DRIFT = 1;
export const PARITY_CANNOT_COMPARE = 2;

/** Every rule parity applies: the defaults, the template's, the command line's. */
export function parityRules(subjects: Subject[], flagRules: string[]): IgnoreRule[] {
  return [
    ...DEFAULT_RULES,
    ...templateRules(subjects).map((r) =>
      parseIgnoreRule(r, 'a fingerprint provisioner\'s "ignore"', 'ignored by the template'),
    ),
    ...flagRules.map((r) => parseIgnoreRule(r, '-ignore', 'ignored by -ignore')),
  ];
}

/** `boxwright parity [FILE...]`: 0 when the builds are the same machine, 1 on drift, 2 when it cannot compare. */
export function parityCommand(paths: string[], flags: ParityFlags, io: CliIo): number {
  try {
    const subjects = loadSubjects(paths, io.cwd);
    if (subjects.length < 2)
      throw new UserError(
        `found ${subjects.length === 0 ? 'no fingerprints' : `one fingerprint (${subjects[0]!.label})`}; parity needs two or more`,
        'fingerprints come from builds with a communicator (ssh or docker) run without -fingerprint=false; name more manifests or fingerprint files',
      );
    const report = compareFingerprints(subjects, parityRules(subjects, flags.ignore));
    io.stdout.write(
      flags.format === 'json' ? `${JSON.stringify(reportJson(report), null, 2)}\n` : `${formatReport(report)}\n`,
    );
    return report.differences.length ? PARITY_DRIFT : PARITY_EQUAL;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    io.stderr.write(`Error: ${err.message}\n${err.hint ? `    hint: ${err.hint}\n` : ''}`);
    return PARITY_CANNOT_COMPARE;
  }
}
