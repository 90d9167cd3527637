import type { Communicator } from './communicator.js';
import type { BuildContext, ProvisionCheckpoints } from './plugin.js';
import type { Step } from './steps.js';

/** State every builder that provisions has: the communicator once connected. */
export interface ConnectedState {
  communicator?: Communicator;
  /** Values for provisioners' environment (PACKER_HTTP_ADDR), set by the builder's steps. */
  generated?: Record<string, string>;
}

/**
 * Runs the template's provisioners over the state's communicator (Packer's StepProvision).
 * `machineId` reads the builder's id of the machine from the state (build.ID).
 */
export function stepProvision<S extends ConnectedState>(
  build: BuildContext,
  machineId?: (state: S) => string | undefined,
  checkpoints?: (state: S) => ProvisionCheckpoints | undefined,
): Step<S> {
  return {
    name: 'provision',
    async run(state) {
      if (!state.communicator) throw new Error('internal: the provision step ran before a communicator was connected');
      await build.provision(state.communicator, state.generated, machineId?.(state), checkpoints?.(state));
    },
  };
}
