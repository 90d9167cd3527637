import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatElapsed } from '../base/duration.js';
import { CancelledError, messageOf } from '../base/errors.js';
import type { Communicator } from '../core/communicator.js';
import type { RunContext } from '../core/plugin.js';
import type { Fingerprint, FingerprintRequest } from '../core/fingerprint.js';
import { takeFingerprint } from '../fingerprint/take.js';
import type { PlannedBuild } from '../template/plan.js';
import { partialNameFor } from '../util/temp-name.js';

export const FINGERPRINT_FILE_SUFFIX = '.fingerprint.json';

/**
 * Takes one build's fingerprint: where a fingerprint provisioner stands, else after the last
 * provisioner (unless -fingerprint=false). A guest that cannot be read (no sh, say) costs a
 * warning, never the build.
 */
export class FingerprintRecorder {
  taken?: Fingerprint;
  private readonly request: FingerprintRequest;

  constructor(
    private readonly build: PlannedBuild,
    private readonly byDefault: boolean,
  ) {
    const asked = build.provisioners.filter((p) => p.type === 'fingerprint').map((p) => p.config as FingerprintRequest);
    this.request = {
      files: [...new Set(asked.flatMap((r) => r.files))],
      ignore: [...new Set(asked.flatMap((r) => r.ignore))],
    };
  }

  /** Whether this run takes a fingerprint of the build at all. */
  get wanted(): boolean {
    return this.byDefault || this.build.provisioners.some((p) => p.type === 'fingerprint');
  }

  /** Whether a build's provisioning ends with a fingerprint the provisioners did not take. */
  async afterProvisioning(communicator: Communicator, ctx: RunContext): Promise<void> {
    if (this.byDefault && !this.taken && communicator.type !== 'none') await this.take(communicator, ctx);
  }

  async take(communicator: Communicator, ctx: RunContext): Promise<void> {
    const started = Date.now();
    try {
      const fp = await takeFingerprint(
        communicator,
        { build: this.build.name, builderType: this.build.type },
        this.request,
        ctx.signal,
      );
      this.taken = ctx.redact(fp);
      ctx.ui.say(
        `Fingerprinted the machine in ${formatElapsed(Date.now() - started)}: ${fp.os.pretty_name || fp.os.id}, ${
          Object.keys(fp.packages).length
        } packages, ${Object.keys(fp.users).length} users, ${fp.services.length} enabled services, ${
          Object.keys(fp.files).length
        } files.`,
      );
    } catch (err) {
      if (err instanceof CancelledError || ctx.signal.aborted) throw err;
      ctx.ui.error(`Could not fingerprint the machine (parity will not include this build): ${messageOf(err)}`);
    }
  }

  /** Writes NAME.fingerprint.json in the run's directory, complete or not at all. */
  async write(ctx: RunContext): Promise<string | undefined> {
    if (!this.taken) return undefined;
    const file = path.join(ctx.cwd, `${this.build.name.replace(/[/\\]/g, '_')}${FINGERPRINT_FILE_SUFFIX}`);
    const temp = partialNameFor(file);
    await writeFile(temp, `${JSON.stringify(this.taken, null, 2)}\n`);
    await rename(temp, file);
    return file;
  }
}
