import type { PipelineStep } from '../core/pipeline.js';
import type { DefinedMachine, DefineRequest, MachineDriver, RunningVm } from '../machines/driver.js';

/** Defines the machine with the driver; cleanup removes it (VirtualBox: unregistervm --delete; QEMU: its working files). */
export function stepDefine<In>(
  driver: MachineDriver,
  request: (state: In) => DefineRequest,
): PipelineStep<In, { machine: DefinedMachine }> {
  return {
    name: 'define',
    async run(state, ctx) {
      return { machine: await driver.define(request(state), ctx) };
    },
    cleanup: ({ machine }, ctx) => machine.destroy(ctx),
    leftover: ({ machine }) => machine.leftover,
  };
}

/** Starts the machine; cleanup forces it off if it still runs (a failed or cancelled build). */
export function stepStart(): PipelineStep<{ machine: DefinedMachine }, { running: RunningVm }> {
  return {
    name: 'start',
    async run({ machine }, ctx) {
      return { running: await machine.start(ctx) };
    },
    cleanup: ({ running }, ctx) => running.forceOff(ctx),
    leftover: ({ running }) => running.leftover,
  };
}
