// One training step: its gradients on one batch (or one worker's share of it), shared by fit() and the gradient
// workers (parallel.ts) so both compute exactly the same thing, and the update that applies them (createTrainStep).
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { tf } from '../tf/backend.js';
import { ageLoss, crossEntropyPerSample, expectedAgeOf, weightedMean, type AgeLossKind, type MeanVarianceOptions } from './losses.js';
import { setLearningRate } from './optimizers.js';
import type { GradientPool } from './parallel.js';
import { batchToInput, batchToTargets, type Augmentation, type TargetSpec } from './tensors.js';

/** Everything a step needs besides the model and batch; plain data, so it can be sent to a worker. */
export interface StepSpec {
  preprocessing: Preprocessing;
  loss: AgeLossKind;
  meanVariance?: MeanVarianceOptions;
  targets: TargetSpec;
  genderLossWeight: number;
  augment: boolean | Partial<Augmentation>;
  ageWeights?: Float32Array;
  ageHead: number;
  genderHead?: number;
  /** BatchNorm layers train with their closed-form gradient (batch-norm.ts); false: tfjs-layers' own. */
  fusedBatchNorm: boolean;
}

export interface Teacher {
  model: tf.LayersModel;
  weight: number;
  sigma: number;
}

/** [total, ageLoss, sum |error|, genderLoss, gender correct, gender labelled]: the first, second and fourth are means over the batch. */
export const STEP_METRICS = 6;

/** Gaussian distributions over ages 0..classes-1 around each of `ages` (clipped at the ends and renormalised). */
export function gaussianTargets(ages: tf.Tensor1D, classes: number, sigma: number): tf.Tensor2D {
  return tf.tidy(() => {
    const k = tf.range(0, classes, 1, 'float32').expandDims(0);
    const d = tf.sub(k, tf.clipByValue(ages, 0, classes - 1).expandDims(1));
    const g = tf.exp(tf.div(tf.neg(tf.square(d)), 2 * sigma * sigma));
    return tf.div(g, tf.sum(g, 1, true)) as tf.Tensor2D;
  });
}

export function outputsOf(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor[] {
  const out = model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/** Sum of |expected age - age| and, for the gender head, correct count among labelled faces. */
export function batchMetrics(probs: tf.Tensor2D, ages: tf.Tensor1D, gender?: tf.Tensor2D, genderTarget?: tf.Tensor2D, genderWeight?: tf.Tensor1D) {
  const errors = tf.abs(tf.sub(expectedAgeOf(probs), ages));
  const absError = tf.sum(errors);
  let correct: tf.Tensor = tf.scalar(0);
  if (gender && genderTarget && genderWeight) {
    const hit = tf.cast(tf.equal(tf.argMax(gender, 1), tf.argMax(genderTarget, 1)), 'float32');
    correct = tf.sum(tf.mul(hit, genderWeight));
  }
  return { errors, absError, correct };
}

/**
 * Gradients of the loss on `batch` with respect to `variables` (in their order) and the step's metrics. Call inside
 * tf.tidy and keep what you return.
 */
export function stepGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  batch: FaceBatch,
  spec: StepSpec,
  seed: number,
  teacher?: Teacher,
): { grads: tf.Tensor[]; metrics: tf.Tensor1D } {
  const x = batchToInput(batch, spec.preprocessing, { augment: spec.augment, seed });
  const t = batchToTargets(batch, spec.targets);
  const ageWeights = spec.ageWeights;
  const sampleWeights = ageWeights ? tf.tensor1d(Array.from(batch.ages, (a) => ageWeights[Math.min(ageWeights.length - 1, Math.max(0, Math.round(a)))]!)) : undefined;
  let ageTarget = t.age;
  let targetAges = t.ages;
  if (teacher) {
    const teacherAges = tf.reshape(outputsOf(teacher.model, x, false)[0]!, [-1]) as tf.Tensor1D;
    const w = teacher.weight;
    ageTarget = tf.add(tf.mul(1 - w, t.age), tf.mul(w, gaussianTargets(teacherAges, spec.targets.classes, teacher.sigma))) as tf.Tensor2D;
    targetAges = tf.add(tf.mul(1 - w, t.ages), tf.mul(w, teacherAges)) as tf.Tensor1D;
  }
  let metrics: tf.Tensor1D | undefined;
  const { grads } = tf.variableGrads(() => {
    const outs = outputsOf(model, x, true);
    const probs = outs[spec.ageHead] as tf.Tensor2D;
    const lossAge = ageLoss(spec.loss, ageTarget, probs, targetAges, spec.meanVariance, sampleWeights);
    let total: tf.Scalar = lossAge;
    let lossGender: tf.Scalar = tf.scalar(0);
    const gender = spec.genderHead !== undefined ? (outs[spec.genderHead] as tf.Tensor2D) : undefined;
    if (gender) {
      lossGender = weightedMean(crossEntropyPerSample(t.gender, gender), t.genderWeight);
      total = tf.add(total, tf.mul(spec.genderLossWeight, lossGender));
    }
    for (const reg of model.calculateLosses()) total = tf.add(total, reg);
    const m = batchMetrics(probs, t.ages, gender, t.gender, t.genderWeight);
    metrics = tf.keep(tf.stack([total, lossAge, m.absError, lossGender, m.correct, tf.sum(t.genderWeight)]) as tf.Tensor1D);
    return total;
  }, variables);
  return { grads: variables.map((v) => grads[v.name]!), metrics: metrics! };
}

/** Faces [start, end) of a batch, as a batch. */
export function sliceBatch(batch: FaceBatch, start: number, end: number): FaceBatch {
  const bytes = batch.size * batch.size * 3;
  return {
    size: batch.size,
    count: end - start,
    faces: batch.faces.slice(start * bytes, end * bytes),
    ages: batch.ages.slice(start, end),
    genders: batch.genders.slice(start, end),
    paths: batch.paths.slice(start, end),
  };
}

/**
 * One optimizer update: the gradients of `batch` (computed here, or shared out to `pool`'s workers), applied at
 * learning rate `lr`; resolves to the STEP_METRICS values. `seed` draws the batch's augmentation.
 */
export function createTrainStep(
  model: tf.LayersModel,
  variables: tf.Variable[],
  optimizer: tf.Optimizer,
  spec: StepSpec,
  options: { pool?: GradientPool; teacher?: Teacher } = {},
): (batch: FaceBatch, lr: number, seed: number) => Promise<number[]> {
  const { pool, teacher } = options;
  const apply = (grads: tf.Tensor[], lr: number) => {
    setLearningRate(optimizer, lr);
    // By position, so each optimizer slot stays tied to the same variable whatever the gradient order.
    optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
  };
  return async (batch, lr, seed) => {
    if (pool) {
      const { grads, metrics } = await pool.gradients(batch, seed, (part, s) => stepGradients(model, variables, part, spec, s, teacher));
      tf.tidy(() => apply(grads, lr));
      tf.dispose(grads);
      return metrics;
    }
    const metrics = tf.tidy(() => {
      const r = stepGradients(model, variables, batch, spec, seed, teacher);
      apply(r.grads, lr);
      return r.metrics;
    });
    const values = Array.from(await metrics.data());
    metrics.dispose();
    return values;
  };
}
