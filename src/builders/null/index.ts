import type { Artifact } from '../../core/artifact.js';
import { stepProvision, type ConnectedState } from '../../core/common-steps.js';
import type { Builder } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { noneCommunicator } from '../../communicators/none.js';
import { prepareSsh, sshSchemaProperties, type SshConfig } from '../../communicators/ssh/config.js';
import { stepConnectSsh } from '../../communicators/ssh/step-connect.js';

type NullConfig = { communicator: 'none' } | { communicator: 'ssh'; ssh: SshConfig };

const nullArtifact: Artifact = {
  builderId: 'boxwright.null',
  kind: 'none',
  id: 'Null',
  files: [],
  description: 'Did not export anything. This is the null builder',
  destroy: async () => {},
};

const { communicator: _communicator, ...sshOptions } = sshSchemaProperties;

/** Builds nothing: runs provisioners against an existing host over SSH, or with no communicator at all. */
export const nullBuilder: Builder<NullConfig> = {
  kind: 'builder',
  type: 'null',
  produces: 'none',
  schema: {
    type: 'object',
    properties: {
      communicator: { type: 'string', enum: ['none', 'ssh'], description: '"ssh" or "none"' },
      ...sshOptions,
    },
    additionalProperties: false,
  },
  prepare(o, ctx) {
    // Packer's null builder always talks SSH; here "none" is the default unless SSH is configured.
    const communicator = (o.communicator as string | undefined) ?? (o.ssh_host !== undefined ? 'ssh' : 'none');
    if (communicator === 'ssh')
      return { communicator: 'ssh', ssh: prepareSsh(o, ctx.problems, { hostRequired: true }) };
    for (const key of Object.keys(o).filter(
      (k) => k.startsWith('ssh_') && o[k] !== (sshOptions as Record<string, { default?: unknown }>)[k]?.default,
    )) {
      ctx.problems.warn([key], `"${key}" has no effect with "communicator": "none"`);
    }
    return { communicator: 'none' };
  },
  communicator: (config) => config.communicator,
  async run(config, ctx) {
    const connect: Step<ConnectedState> =
      config.communicator === 'ssh'
        ? stepConnectSsh<ConnectedState>(config.ssh, () => ({ host: config.ssh.host!, port: config.ssh.port }))
        : { name: 'connect-none', run: async (state) => void (state.communicator = noneCommunicator) };
    await ctx.runSteps([connect, stepProvision<ConnectedState>(ctx)], {});
    return nullArtifact;
  },
};
