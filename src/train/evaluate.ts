// A whole pass over validation (or test) batches in inference mode: loss, MAE, CS@5 and gender accuracy, as fit
// reports them after each epoch (val_*).
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { findHeads } from '../models/heads.js';
import { tf } from '../tf/backend.js';
import { ageLoss, crossEntropyPerSample, weightedMean, type AgeLossKind, type MeanVarianceOptions } from './losses.js';
import { batchMetrics, outputsOf } from './step.js';
import { batchToInput, batchToTargets, type TargetSpec } from './tensors.js';

/** Averages of a whole pass over `data` in inference mode. */
export interface EvalMetrics {
  n: number;
  loss: number;
  mae: number;
  /** Share of faces with |predicted - true| <= 5 years. */
  cs5: number;
  genderAccuracy?: number;
  genderN: number;
}

export interface EvaluateOptions {
  preprocessing: Preprocessing;
  loss?: AgeLossKind;
  meanVariance?: MeanVarianceOptions;
  targets?: Omit<TargetSpec, 'classes'>;
  genderLossWeight?: number;
}

export async function evaluate(model: tf.LayersModel, data: AsyncIterable<FaceBatch>, options: EvaluateOptions): Promise<EvalMetrics> {
  const heads = findHeads(model);
  const kind = options.loss ?? 'dex';
  const genderWeight = options.genderLossWeight ?? 1;
  let n = 0;
  let loss = 0;
  let absError = 0;
  let within5 = 0;
  let genderCorrect = 0;
  let genderN = 0;
  for await (const batch of data) {
    if (batch.count === 0) continue;
    const values = tf.tidy(() => {
      const x = batchToInput(batch, options.preprocessing);
      const t = batchToTargets(batch, { ...options.targets, classes: heads.classes });
      const outs = outputsOf(model, x, false);
      const probs = outs[heads.age] as tf.Tensor2D;
      let total = ageLoss(kind, t.age, probs, t.ages, options.meanVariance);
      const gender = heads.gender !== undefined ? (outs[heads.gender] as tf.Tensor2D) : undefined;
      if (gender) total = tf.add(total, tf.mul(genderWeight, weightedMean(crossEntropyPerSample(t.gender, gender), t.genderWeight)));
      const m = batchMetrics(probs, t.ages, gender, t.gender, t.genderWeight);
      return tf.stack([total, m.absError, tf.sum(tf.cast(tf.lessEqual(m.errors, 5), 'float32')), m.correct, tf.sum(t.genderWeight)]);
    });
    const [l, ae, w5, gc, gn] = await values.data();
    values.dispose();
    loss += l! * batch.count;
    absError += ae!;
    within5 += w5!;
    if (heads.gender !== undefined) {
      genderCorrect += gc!;
      genderN += gn!;
    }
    n += batch.count;
  }
  return {
    n,
    loss: n ? loss / n : Number.NaN,
    mae: n ? absError / n : Number.NaN,
    cs5: n ? within5 / n : Number.NaN,
    genderAccuracy: genderN > 0 ? genderCorrect / genderN : undefined,
    genderN,
  };
}
