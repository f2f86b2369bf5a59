// The tutorial's monitor faces: the same faces predicted as training goes, one line each in monitor.jsonl.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { filterJsonl, readJsonl } from '../../core/atomic.js';
import type { FaceBatch } from '../../data/batch.js';
import { findHeads } from '../../models/heads.js';
import { tf } from '../../tf/backend.js';
import { expectedAgeOf } from '../losses.js';
import { batchToInput } from '../tensors.js';
import type { Callback, EpochLogs, FitContext, StepLogs } from '../types.js';

/** A line of monitor.jsonl. */
export interface MonitorLine {
  step: number;
  epoch: number;
  /** Predicted (expected) age of each monitor face, in `paths` order. */
  ages: number[];
  truth: number[];
  paths: string[];
}

/**
 * The tutorial's monitor set: fixed faces predicted every `every` steps and after each epoch, one line each in
 * monitor.jsonl, to watch the predictions move (its Figure 3). Lines past the checkpoint are dropped on resume.
 */
export class MonitorSet implements Callback {
  private last = -1;

  constructor(private readonly options: { faces: FaceBatch; path: string; every?: number }) {}

  async onTrainBegin(ctx: FitContext): Promise<void> {
    await mkdir(dirname(this.options.path), { recursive: true });
    const step = ctx.initial.step;
    await filterJsonl(this.options.path, (l) => Number(l.step) <= step);
    const kept = await readJsonl<MonitorLine>(this.options.path);
    this.last = kept.length ? Math.max(...kept.map((l) => l.step)) : -1;
  }

  async predict(model: tf.LayersModel, preprocessing: FitContext['preprocessing']): Promise<number[]> {
    const heads = findHeads(model);
    const ages = tf.tidy(() => {
      const out = model.apply(batchToInput(this.options.faces, preprocessing), { training: false }) as tf.Tensor | tf.Tensor[];
      const probs = (Array.isArray(out) ? out[heads.age] : out) as tf.Tensor2D;
      return expectedAgeOf(probs);
    });
    const values = Array.from(await ages.data());
    ages.dispose();
    return values.map((a) => Math.round(a * 100) / 100);
  }

  private async record(ctx: FitContext, epoch: number): Promise<void> {
    if (ctx.state.step === this.last || this.options.faces.count === 0) return;
    const line: MonitorLine = {
      step: ctx.state.step,
      epoch,
      ages: await this.predict(ctx.model, ctx.preprocessing),
      truth: Array.from(this.options.faces.ages),
      paths: this.options.faces.paths,
    };
    await appendFile(this.options.path, `${JSON.stringify(line)}\n`);
    this.last = ctx.state.step;
  }

  async onBatchEnd(logs: StepLogs, ctx: FitContext): Promise<void> {
    const every = this.options.every ?? 0;
    if (every > 0 && logs.step % every === 0) await this.record(ctx, logs.epoch);
  }

  async onEpochEnd(logs: EpochLogs, ctx: FitContext): Promise<void> {
    await this.record(ctx, logs.epoch);
  }
}
