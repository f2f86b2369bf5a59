// The Checkpoint callback: the run's resume point (checkpoint.ts's folder format), every N steps and each epoch.
import { saveCheckpoint } from '../checkpoint.js';
import type { Callback, EpochLogs, FitContext, StepLogs } from '../types.js';
import { metricsOf, type MetaFactory } from './meta.js';

/**
 * Saves model, optimizer state, TrainState and the other callbacks' states every `every` steps and after each
 * epoch, atomically (see atomic.ts: the folder is always a complete old or new checkpoint).
 */
export class Checkpoint implements Callback {
  readonly name = 'checkpoint';
  /** Step of the last save (to skip a second save of the same state). */
  private saved = -1;
  private savedEpoch = -1;

  constructor(private readonly options: { dir: string; every?: number; meta: MetaFactory }) {}

  async save(ctx: FitContext, metrics?: Record<string, number>): Promise<void> {
    const callbacks: Record<string, unknown> = {};
    for (const cb of ctx.callbacks) if (cb.name && cb.getState) callbacks[cb.name] = cb.getState();
    await saveCheckpoint(this.options.dir, {
      model: ctx.model,
      optimizer: ctx.optimizer,
      state: ctx.state,
      callbacks,
      meta: this.options.meta(ctx, metrics),
    });
    this.saved = ctx.state.step;
    this.savedEpoch = ctx.state.epoch;
  }

  onTrainBegin(ctx: FitContext): void {
    this.saved = ctx.initial.step;
    this.savedEpoch = ctx.initial.epoch;
  }

  async onBatchEnd(logs: StepLogs, ctx: FitContext): Promise<void> {
    const every = this.options.every ?? 0;
    if (every > 0 && logs.step % every === 0) await this.save(ctx);
  }

  async onEpochEnd(logs: EpochLogs, ctx: FitContext): Promise<void> {
    if (this.saved === ctx.state.step && this.savedEpoch === ctx.state.epoch) return;
    await this.save(ctx, metricsOf(logs));
  }
}
