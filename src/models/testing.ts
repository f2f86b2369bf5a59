// Test helper shared by the architecture tests.
import * as tf from '@tensorflow/tfjs';

/** Runs `steps` optimizer steps of categorical cross-entropy on one batch; returns the loss before each step. */
export function trainSteps(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor, steps: number): number[] {
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      true,
    )!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  return losses;
}
