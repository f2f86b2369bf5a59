// Losses on softmax outputs (probabilities, as the models' heads emit), for a custom train step.
import { tf } from '../tf/backend.js';

export type AgeLossKind = 'dex' | 'mean-variance';
export const AGE_LOSSES: readonly AgeLossKind[] = ['dex', 'mean-variance'];

const EPSILON = 1e-7;

/** [0, 1, ..., classes-1]: the age of each class. */
export function classAges(classes: number): tf.Tensor1D {
  return tf.range(0, classes, 1, 'float32') as tf.Tensor1D;
}

/** Expected age of each row of probabilities [n, classes] -> [n]. */
export function expectedAgeOf(probs: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(probs, classAges(probs.shape[1])), 1) as tf.Tensor1D);
}

/** Mean of per-sample values, weighted; 0 when every weight is 0. */
export function weightedMean(values: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    if (!weights) return tf.mean(values) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(values, weights)), tf.add(tf.sum(weights), EPSILON)) as tf.Scalar;
  });
}

/** Per-sample categorical cross-entropy between target distributions and predicted probabilities. */
export function crossEntropyPerSample(target: tf.Tensor2D, probs: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(target, tf.log(tf.clipByValue(probs, EPSILON, 1 - EPSILON))), 1)) as tf.Tensor1D);
}

/** Categorical cross-entropy (DEX), averaged over the batch (weighted if `weights` is given). */
export function crossEntropy(target: tf.Tensor2D, probs: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => weightedMean(crossEntropyPerSample(target, probs), weights));
}

export interface MeanVarianceOptions {
  /** Weights of the mean and variance terms; Pan et al. 2018 use 0.2 and 0.05. */
  lambdaMean?: number;
  lambdaVariance?: number;
}

export type MeanVarianceParts = {
  total: tf.Scalar;
  crossEntropy: tf.Scalar;
  mean: tf.Scalar;
  variance: tf.Scalar;
};

/**
 * Mean-variance loss (Pan et al., CVPR 2018): cross-entropy + lambdaMean * (m - y)^2 / 2 + lambdaVariance * v,
 * m and v being the mean and variance of each predicted distribution, y the true age.
 */
export function meanVarianceLoss(
  target: tf.Tensor2D,
  probs: tf.Tensor2D,
  ages: tf.Tensor1D,
  options: MeanVarianceOptions = {},
  weights?: tf.Tensor1D,
): MeanVarianceParts {
  const lambdaMean = options.lambdaMean ?? 0.2;
  const lambdaVariance = options.lambdaVariance ?? 0.05;
  return tf.tidy(() => {
    const k = classAges(probs.shape[1]);
    const m = tf.sum(tf.mul(probs, k), 1);
    const ce = crossEntropy(target, probs, weights);
    const meanTerm = tf.div(weightedMean(tf.square(tf.sub(m, ages)) as tf.Tensor1D, weights), 2) as tf.Scalar;
    const deviation = tf.sub(k.expandDims(0), m.expandDims(1));
    const variance = weightedMean(tf.sum(tf.mul(probs, tf.square(deviation)), 1) as tf.Tensor1D, weights);
    const total = tf.addN([ce, tf.mul(lambdaMean, meanTerm), tf.mul(lambdaVariance, variance)]) as tf.Scalar;
    return { total, crossEntropy: ce, mean: meanTerm, variance };
  });
}

/** The age head's loss of the given kind. */
export function ageLoss(
  kind: AgeLossKind,
  target: tf.Tensor2D,
  probs: tf.Tensor2D,
  ages: tf.Tensor1D,
  options: MeanVarianceOptions = {},
  weights?: tf.Tensor1D,
): tf.Scalar {
  if (kind === 'dex') return crossEntropy(target, probs, weights);
  const parts = meanVarianceLoss(target, probs, ages, options, weights);
  tf.dispose([parts.crossEntropy, parts.mean, parts.variance]);
  return parts.total;
}
