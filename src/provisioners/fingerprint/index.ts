import type { Provisioner } from '../../core/plugin.js';
import type { FingerprintRequest } from '../../core/fingerprint.js';
import { parseIgnoreRule } from '../../parity/rules.js';

/**
 * Takes the build's fingerprint at this point of provisioning (instead of after the last
 * provisioner), with the files and globs it names hashed too. Every build fingerprints
 * itself anyway; this provisioner adds to what is recorded and to what parity ignores.
 */
export const fingerprintProvisioner: Provisioner<FingerprintRequest> = {
  kind: 'provisioner',
  type: 'fingerprint',
  needsCommunicator: true,
  localInputs: () => [],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      files: { type: 'array', items: { type: 'string', minLength: 1, pattern: '^/' }, default: [] },
      ignore: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    },
  },
  prepare(o, ctx) {
    const ignore = o.ignore as string[];
    ignore.forEach((rule, i) => {
      try {
        parseIgnoreRule(rule, 'ignore');
      } catch (err) {
        ctx.problems.error(['ignore', i], (err as Error).message, (err as { hint?: string }).hint);
      }
    });
    return { files: o.files as string[], ignore };
  },
  async provision(_config, ctx) {
    // The recorder knows every fingerprint provisioner's files; this one marks when to take it.
    if (!ctx.takeFingerprint) throw new Error('internal: the fingerprint provisioner ran outside a build');
    await ctx.takeFingerprint();
  },
};
