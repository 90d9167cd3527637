import type { Provisioner } from '../../core/plugin.js';

interface BreakpointConfig {
  note: string;
  disable: boolean;
}

/** Pauses the build until Enter is pressed, for looking at the machine half-way. */
export const breakpointProvisioner: Provisioner<BreakpointConfig> = {
  kind: 'provisioner',
  type: 'breakpoint',
  needsCommunicator: false,
  localInputs: () => [],
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { note: { type: 'string', default: '' }, disable: { type: 'boolean', default: false } },
  },
  prepare: (o) => ({ note: o.note as string, disable: o.disable as boolean }),
  async provision(config, ctx) {
    if (config.disable) {
      ctx.ui.say('Breakpoint provisioner is disabled; continuing.');
      return;
    }
    const note = config.note ? ` with note "${config.note}"` : '';
    ctx.ui.say(`Pausing at breakpoint provisioner${note}. Press enter to continue.`);
    const line = await ctx.prompt.nextLine(ctx.signal);
    if (ctx.signal.aborted) return;
    if (line === undefined) ctx.ui.message('Standard input is closed; continuing.');
  },
};
