import type { PostProcessor } from '../../core/plugin.js';
import {
  prepareShellLocal,
  shellLocalLateFields,
  shellLocalSchema,
  type ShellLocalConfig,
} from '../../provisioners/shell-local/config.js';
import { runShellLocal } from '../../provisioners/shell-local/run.js';

/** Runs commands on the build host after the build; the artifact passes through. */
export const shellLocalPostProcessor: PostProcessor<ShellLocalConfig> = {
  kind: 'post-processor',
  type: 'shell-local',
  accepts: 'any',
  produces: 'input',
  schema: shellLocalSchema,
  lateFields: shellLocalLateFields,
  prepare: prepareShellLocal,
  async process(config, artifact, ctx) {
    await runShellLocal(config, ctx, {
      BOXWRIGHT_ARTIFACT_ID: artifact.id,
      BOXWRIGHT_ARTIFACT_FILES: artifact.files.join(' '),
    });
    return { artifact, keepInput: true, forceKeep: true };
  },
};
