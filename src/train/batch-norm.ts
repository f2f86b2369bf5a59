// BatchNormalization's training pass with its closed-form gradient. tfjs-layers builds the training pass from
// tf.moments and tf.batchNorm, and autodiff then differentiates every op of both, broadcasts and tiles included:
// about twenty passes over the activation per layer. The textbook gradient of the whole normalisation
//   dbeta = sum(dy), dgamma = sum(dy * xhat), dx = gamma / std * (dy - (dbeta + xhat * dgamma) / n)
// needs seven: a compact-CNN training step went from 1001 to 830 ms in one `npm run bench:train` (BENCHMARKS.md).
// The forward pass and the moving averages are computed exactly as tfjs-layers does; inference is not touched.
import { tf } from '../tf/backend.js';
import { batchNormLayers, overrideCalls } from './trainable.js';

interface BatchNormFields {
  axis: number;
  center: boolean;
  scale: boolean;
  epsilon: number;
  momentum: number;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/**
 * Normalises `x` over every axis but the last by its batch statistics, scales by `gamma` and shifts by `beta`;
 * `onStatistics` receives the batch mean and variance (for the moving averages) while they are alive.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStatistics: (mean: tf.Tensor, variance: tf.Tensor) => void,
): tf.Tensor {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(input, axes);
    onStatistics(mean, variance);
    save([input, mean, variance, scale]);
    return {
      value: tf.batchNorm(input, mean, variance, offset, scale, epsilon),
      gradFunc: (dy, saved) => {
        const [xs, m, v, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const n = xs.size / xs.shape[xs.rank - 1]!;
        const xhat = tf.batchNorm(xs, m, v, undefined, undefined, epsilon);
        const dbeta = tf.sum(dy, axes);
        const dgamma = tf.sum(tf.mul(dy, xhat), axes);
        const k = tf.mul(g, tf.rsqrt(tf.add(v, epsilon)));
        const perXhat = tf.div(tf.mul(tf.neg(k), dgamma), n);
        const constant = tf.div(tf.mul(tf.neg(k), dbeta), n);
        const dx = tf.add(tf.mul(dy, k), tf.add(tf.mul(xhat, perXhat), constant));
        return [dx, dgamma, dbeta];
      },
    };
  });
  return normalise(x, gamma, beta);
}

/**
 * Makes every BatchNormalization layer that trains (not frozen, normalising the last axis, with gamma and beta)
 * use batchNormTraining in training mode, for the duration of a fit; the returned function undoes it.
 */
export function fuseBatchNormGradients(model: tf.LayersModel): () => void {
  const training = batchNormLayers(model)
    .filter(({ layer, frozen }) => !frozen && (layer as unknown as BatchNormFields).center && (layer as unknown as BatchNormFields).scale)
    .map(({ layer }) => layer);
  return overrideCalls(training, (original, layer) => {
    const bn = layer as unknown as BatchNormFields;
    return (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const lastAxis = bn.axis === -1 || bn.axis === x.rank - 1;
      if (kwargs['training'] !== true || !lastAxis || x.rank < 2 || x.rank > 4) return original(inputs, kwargs);
      return tf.tidy(() =>
        batchNormTraining(x, bn.gamma.read(), bn.beta.read(), bn.epsilon, (mean, variance) => {
          for (const [moving, batch] of [
            [bn.movingMean, mean],
            [bn.movingVariance, variance],
          ] as const) {
            // tfjs-layers' moving average, op for op
            tf.tidy(() => {
              const current = moving.read();
              moving.write(tf.sub(current, tf.mul(tf.sub(current, batch), 1 - bn.momentum)));
            });
          }
        }),
      );
    };
  });
}
