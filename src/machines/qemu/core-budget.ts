import { availableParallelism } from 'node:os';
import { CancelledError } from '../../base/errors.js';

interface Waiter {
  cores: number;
  grant(): void;
}

/**
 * The host's cores, shared among the machines one run starts. A machine takes as many as
 * it has virtual CPUs (at most all of them) while it runs; one that would oversubscribe the
 * host waits until another stops. Under TCG every virtual CPU is a busy host thread, so two
 * 2-CPU guests on 2 cores run each at half speed and both finish late; in turn, the first
 * is done sooner and its export overlaps the second's boot.
 */
export class CoreBudget {
  private free: number;
  private readonly queue: Waiter[] = [];

  constructor(readonly total: number) {
    this.free = total;
  }

  get available(): number {
    return this.free;
  }

  /** Takes `cores` (capped at the total); `onWait` is told once when it has to wait. Resolves to the release. */
  async take(cores: number, signal: AbortSignal, onWait: (busy: number) => void): Promise<() => void> {
    const wanted = Math.max(1, Math.min(cores, this.total));
    if (signal.aborted) throw new CancelledError('Build was cancelled.');
    if (this.queue.length || this.free < wanted) {
      onWait(this.total - this.free);
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          cores: wanted,
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(new CancelledError('Build was cancelled.'));
          this.grantWaiting();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.queue.push(waiter);
      });
    } else this.free -= wanted;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free += wanted;
      this.grantWaiting();
    };
  }

  /** First come, first served: a large machine is not passed over by small ones. */
  private grantWaiting(): void {
    while (this.queue.length && this.queue[0]!.cores <= this.free) {
      const next = this.queue.shift()!;
      this.free -= next.cores;
      next.grant();
    }
  }
}

/** The budget of this process's machines: the cores Node may use. */
export const hostCores = new CoreBudget(availableParallelism());
