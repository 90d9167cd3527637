import type { RunContext } from './plugin.js';
import type { Step } from './steps.js';

/**
 * A step that reads the state earlier steps made (`In`) and returns what it adds (`Out`).
 * What it returns is the resource it owns: `cleanup` gets exactly that back, on success,
 * failure and Ctrl-C. A step that fails part-way releases what it made itself.
 */
export interface PipelineStep<In, Out extends object> {
  readonly name: string;
  run(state: In, ctx: RunContext): Promise<Out>;
  cleanup?(made: Out, ctx: RunContext): Promise<void>;
  /** What stays behind if `cleanup` does not run (for -on-error=abort and a second Ctrl-C). */
  leftover?(made: Out): string | undefined;
}

/**
 * Steps in order, typed so that each one can read only what the steps before it made:
 * `Pipeline.start().then(a).then(b)` does not compile when `b` needs a field `a` does not give.
 */
export class Pipeline<S extends object> {
  private constructor(private readonly list: readonly PipelineStep<never, object>[]) {}

  static start<S0 extends object = object>(): Pipeline<S0> {
    return new Pipeline<S0>([]);
  }

  then<Out extends object>(step: PipelineStep<S, Out>): Pipeline<S & Out> {
    return new Pipeline<S & Out>([...this.list, step as PipelineStep<never, object>]);
  }

  /** Adds a step only when `when` holds; what it makes is then optional to later steps. */
  thenIf<Out extends object>(when: boolean, step: PipelineStep<S, Out>): Pipeline<S & Partial<Out>> {
    return when ? this.then(step) : new Pipeline<S & Partial<Out>>(this.list);
  }

  /**
   * Either the steps `main` adds, or, when `skip` holds for the state at run time, the one
   * step `instead`; both give `Out`, so later steps read it either way. A skipped step
   * neither runs nor cleans up.
   */
  either<Out extends object>(
    skip: (state: S) => boolean,
    main: (from: Pipeline<S>) => Pipeline<S & Out>,
    instead: PipelineStep<S, Out>,
  ): Pipeline<S & Out> {
    const when = (wanted: boolean, step: PipelineStep<never, object>): PipelineStep<never, object> => {
      const skipped = new WeakSet<object>();
      return {
        name: step.name,
        async run(state, ctx) {
          if (skip(state as S) !== wanted) {
            const none = {};
            skipped.add(none);
            return none;
          }
          return step.run(state, ctx);
        },
        async cleanup(made, ctx) {
          if (!skipped.has(made)) await step.cleanup?.(made as never, ctx);
        },
        leftover: (made) => (skipped.has(made) ? undefined : step.leftover?.(made as never)),
      };
    };
    const branch = main(new Pipeline<S>([])).list;
    return new Pipeline<S & Out>([
      ...this.list,
      ...branch.map((step) => when(false, step)),
      when(true, instead as PipelineStep<never, object>),
    ]);
  }

  /** Runs the steps with the build's step runner (cleanup, -on-error, -debug) and returns what they made. */
  async run(
    runSteps: (steps: Step<Record<string, unknown>>[], state: Record<string, unknown>) => Promise<void>,
  ): Promise<S> {
    const state: Record<string, unknown> = {};
    await runSteps(this.steps(), state);
    return state as S;
  }

  /** The steps for the step runner, over one state object `initial` that each step's output is merged into. */
  steps(): Step<Record<string, unknown>>[] {
    return this.list.map((step) => {
      let made: object | undefined;
      return {
        name: step.name,
        async run(state: Record<string, unknown>, ctx: RunContext) {
          made = await step.run(state as never, ctx);
          Object.assign(state, made);
        },
        async cleanup(_state: Record<string, unknown>, ctx: RunContext) {
          const held = made;
          made = undefined;
          if (held && step.cleanup) await step.cleanup(held, ctx);
        },
        leftover: () => (made && step.leftover ? step.leftover(made) : undefined),
      };
    });
  }
}
