// The best model so far, as a model folder (RUNDIR/best): what early stopping restores after a resume.
import { saveModel } from '../../models/model-folder.js';
import type { Callback, EpochLogs, FitContext } from '../types.js';
import { improved, type Mode } from './compare.js';
import { metricsOf, type MetaFactory } from './meta.js';

/** Saves the model to `dir` whenever `monitor` (default val_mae) reaches a new best at the end of an epoch. */
export class BestModel implements Callback {
  readonly name = 'bestModel';
  private best?: number;

  constructor(private readonly options: { dir: string; meta: MetaFactory; monitor?: string; mode?: Mode }) {}

  getState(): unknown {
    return { best: this.best };
  }

  setState(state: unknown): void {
    this.best = (state as { best?: number }).best ?? undefined;
  }

  async onEpochEnd(logs: EpochLogs, ctx: FitContext): Promise<void> {
    const value = (logs as unknown as Record<string, number | undefined>)[this.options.monitor ?? 'val_mae'];
    if (value === undefined || !improved(value, this.best, this.options.mode ?? 'min', 0)) return;
    this.best = value;
    await saveModel(ctx.model, this.options.dir, this.options.meta(ctx, metricsOf(logs)));
  }
}
