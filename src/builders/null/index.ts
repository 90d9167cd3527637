import type { Artifact } from '../../core/artifact.js';
import { stepProvision, type ConnectedState } from '../../core/common-steps.js';
import type { Builder } from '../../core/plugin.js';
import { noneCommunicator } from '../../communicators/none.js';

interface NullConfig {
  communicator: 'none';
}

const nullArtifact: Artifact = {
  builderId: 'boxwright.null',
  kind: 'none',
  id: 'Null',
  files: [],
  description: 'Did not export anything. This is the null builder',
  destroy: async () => {},
};

/** Builds nothing: runs provisioners against an existing host, or none at all. */
export const nullBuilder: Builder<NullConfig> = {
  kind: 'builder',
  type: 'null',
  produces: 'none',
  schema: {
    type: 'object',
    properties: {
      communicator: { type: 'string', enum: ['none', 'ssh'], default: 'none', description: '"none"' },
    },
    patternProperties: { '^(ssh|winrm)_': {} },
    additionalProperties: false,
  },
  prepare(o, ctx) {
    if (o.communicator === 'ssh') {
      ctx.problems.error(['communicator'], 'the ssh communicator is not supported by boxwright yet', 'use "communicator": "none" with shell-local provisioners for now');
    } else {
      for (const key of Object.keys(o).filter((k) => /^(ssh|winrm)_/.test(k))) ctx.problems.warn([key], `"${key}" has no effect with "communicator": "none"`);
    }
    return { communicator: 'none' };
  },
  communicator: (config) => config.communicator,
  async run(_config, ctx) {
    const steps = [
      { name: 'connect', run: async (state: ConnectedState) => void (state.communicator = noneCommunicator) },
      stepProvision<ConnectedState>(ctx),
    ];
    await ctx.runSteps(steps, {});
    return nullArtifact;
  },
};
