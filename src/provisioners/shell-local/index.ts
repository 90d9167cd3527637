import type { Provisioner } from '../../core/plugin.js';
import { prepareShellLocal, shellLocalLateFields, shellLocalSchema, type ShellLocalConfig } from './config.js';
import { runShellLocal } from './run.js';

/** Runs commands on the build host during provisioning. */
export const shellLocalProvisioner: Provisioner<ShellLocalConfig> = {
  kind: 'provisioner',
  type: 'shell-local',
  needsCommunicator: false,
  localInputs: (config) => config.scripts,
  schema: shellLocalSchema,
  lateFields: shellLocalLateFields,
  prepare: prepareShellLocal,
  provision: (config, ctx) => runShellLocal(config, ctx, ctx.generated),
};
