// The training benchmarks' synthetic batch and optimizer, shared by bench/train.ts and its data-parallel workers
// (which import TF.js themselves, so it is passed in).
import type * as TF from '@tensorflow/tfjs';
import type { ModelEntry } from '../src/models/index.js';

/** `count` random faces with labels spread over each head's classes; `first` numbers the faces (a worker's slice). */
export function syntheticBatch(tf: typeof TF, model: TF.LayersModel, size: number, count: number, first = 0, seed = 1): { x: TF.Tensor; targets: TF.Tensor[] } {
  const x = tf.randomNormal([count, size, size, 3], 0, 1, 'float32', seed);
  const targets = model.outputs.map((out, i) =>
    tf.tidy(() => {
      const classes = out.shape[1] as number;
      const labels = Array.from({ length: count }, (_, k) => ((first + k) * 37 + i) % classes);
      return tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
    }),
  );
  return { x, targets };
}

/** The model entry's default optimizer (SGD with its momentum, else Adam). */
export function benchOptimizer(tf: typeof TF, entry: ModelEntry): TF.Optimizer {
  const training = entry.defaultTraining ?? {};
  return training.optimizer === 'sgd'
    ? tf.train.momentum(training.lr ?? 0.01, training.momentum ?? 0, training.nesterov ?? false)
    : tf.train.adam(training.lr ?? 1e-3);
}
