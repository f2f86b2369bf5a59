// Early stopping with patience, after Keras: stop when the monitored value stops improving, put the best weights back.
import { loadModel } from '../../models/model-folder.js';
import { tf } from '../../tf/backend.js';
import type { Callback, EpochLogs, FitContext, History } from '../types.js';
import { improved, type Mode } from './compare.js';

/**
 * Stops when `monitor` (default val_mae) has not improved for `patience` epochs, and then restores the best
 * weights: kept in memory, or read back from `bestDir` (a BestModel folder) after a resume.
 */
export class EarlyStopping implements Callback {
  readonly name = 'earlyStopping';
  private best?: number;
  private bestEpoch = -1;
  private wait = 0;
  private bestWeights?: tf.Tensor[];
  stoppedEpoch = -1;
  /** Set when training ended with the best weights put back into the model. */
  restoredBest = false;

  constructor(
    private readonly options: { monitor?: string; patience: number; minDelta?: number; mode?: Mode; restoreBest?: boolean; bestDir?: string },
  ) {}

  private get monitor(): string {
    return this.options.monitor ?? 'val_mae';
  }

  getState(): unknown {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  setState(state: unknown): void {
    const s = state as { best?: number; bestEpoch?: number; wait?: number };
    this.best = s.best ?? undefined;
    this.bestEpoch = s.bestEpoch ?? -1;
    this.wait = s.wait ?? 0;
  }

  onTrainBegin(ctx: FitContext): void {
    if (this.wait >= this.options.patience && this.best !== undefined) ctx.stopTraining = true;
  }

  onEpochEnd(logs: EpochLogs, ctx: FitContext): void {
    const value = (logs as unknown as Record<string, number | undefined>)[this.monitor];
    if (value === undefined) return;
    if (improved(value, this.best, this.options.mode ?? 'min', this.options.minDelta ?? 0)) {
      this.best = value;
      this.bestEpoch = logs.epoch;
      this.wait = 0;
      if (this.options.restoreBest !== false) {
        tf.dispose(this.bestWeights ?? []);
        this.bestWeights = ctx.model.getWeights().map((w) => tf.clone(w));
      }
      return;
    }
    this.wait += 1;
    if (this.wait >= this.options.patience) {
      this.stoppedEpoch = logs.epoch;
      ctx.stopTraining = true;
    }
  }

  async onTrainEnd(_history: History, ctx: FitContext): Promise<void> {
    if (!ctx.stopTraining || this.options.restoreBest === false || this.bestEpoch < 0) return;
    if (this.bestWeights) {
      ctx.model.setWeights(this.bestWeights);
      this.restoredBest = true;
    } else if (this.options.bestDir) {
      const { model } = await loadModel(this.options.bestDir);
      ctx.model.setWeights(model.getWeights());
      model.dispose();
      this.restoredBest = true;
    }
  }

  close(): void {
    tf.dispose(this.bestWeights ?? []);
    this.bestWeights = undefined;
  }
}
