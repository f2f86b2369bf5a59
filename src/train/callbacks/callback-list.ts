// The fan-out of fit's events to its callbacks (Keras' CallbackList): in the order given, each awaited before the
// next, and every callback closed at the end whatever happened.
import type { Callback, EpochLogs, FitContext, History, StepLogs } from '../types.js';

export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  private async each(call: (cb: Callback) => void | Promise<void>): Promise<void> {
    for (const cb of this.callbacks) await call(cb);
  }

  onTrainBegin(ctx: FitContext): Promise<void> {
    return this.each((cb) => cb.onTrainBegin?.(ctx));
  }

  onEpochBegin(epoch: number, ctx: FitContext): Promise<void> {
    return this.each((cb) => cb.onEpochBegin?.(epoch, ctx));
  }

  onBatchEnd(logs: StepLogs, ctx: FitContext): Promise<void> {
    return this.each((cb) => cb.onBatchEnd?.(logs, ctx));
  }

  onEpochEnd(logs: EpochLogs, ctx: FitContext): Promise<void> {
    return this.each((cb) => cb.onEpochEnd?.(logs, ctx));
  }

  onTrainEnd(history: History, ctx: FitContext): Promise<void> {
    return this.each((cb) => cb.onTrainEnd?.(history, ctx));
  }

  /** Closes every callback; a callback that fails to close does not stop the others or hide why training ended. */
  async close(): Promise<void> {
    for (const cb of this.callbacks) {
      try {
        await cb.close?.();
      } catch {
        // closing must not hide the error that ended training
      }
    }
  }
}
