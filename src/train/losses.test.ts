import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend, tf } from '../tf/backend.js';
import { ageLoss, crossEntropy, expectedAgeOf, meanVarianceLoss, weightedMean } from './losses.js';

async function scalar(t: tf.Tensor): Promise<number> {
  const [v] = await t.data();
  t.dispose();
  return v!;
}

describe('losses', () => {
  before(async () => {
    await initBackend();
  });

  const probs = [
    [0.1, 0.6, 0.3, 0, 0],
    [0, 0, 0.5, 0.5, 0],
  ];
  const target = [
    [0, 1, 0, 0, 0],
    [0, 0, 0, 1, 0],
  ];
  const ages = [1, 3];

  it('cross-entropy is the mean of -sum t log p', async () => {
    const value = await scalar(tf.tidy(() => crossEntropy(tf.tensor2d(target), tf.tensor2d(probs))));
    assert.ok(Math.abs(value - (-Math.log(0.6) - Math.log(0.5)) / 2) < 1e-5);
  });

  it('weights samples, and is 0 when all weights are 0', async () => {
    const w = await scalar(tf.tidy(() => crossEntropy(tf.tensor2d(target), tf.tensor2d(probs), tf.tensor1d([0, 1]))));
    assert.ok(Math.abs(w + Math.log(0.5)) < 1e-5);
    assert.equal(await scalar(tf.tidy(() => weightedMean(tf.tensor1d([3, 4]), tf.tensor1d([0, 0])))), 0);
  });

  it('mean-variance adds lambda1 (m - y)^2 / 2 and lambda2 variance (Pan et al. 2018)', async () => {
    const means = probs.map((p) => p.reduce((a, v, k) => a + v * k, 0));
    const variances = probs.map((p, i) => p.reduce((a, v, k) => a + v * (k - means[i]!) ** 2, 0));
    const ce = (-Math.log(0.6) - Math.log(0.5)) / 2;
    const meanTerm = ((means[0]! - 1) ** 2 + (means[1]! - 3) ** 2) / 2 / 2;
    const varTerm = (variances[0]! + variances[1]!) / 2;
    const parts = tf.tidy(() => meanVarianceLoss(tf.tensor2d(target), tf.tensor2d(probs), tf.tensor1d(ages), { lambdaMean: 0.2, lambdaVariance: 0.05 }));
    assert.ok(Math.abs((await scalar(parts.mean)) - meanTerm) < 1e-5);
    assert.ok(Math.abs((await scalar(parts.variance)) - varTerm) < 1e-5);
    assert.ok(Math.abs((await scalar(parts.crossEntropy)) - ce) < 1e-5);
    assert.ok(Math.abs((await scalar(parts.total)) - (ce + 0.2 * meanTerm + 0.05 * varTerm)) < 1e-5);
    const viaKind = await scalar(tf.tidy(() => ageLoss('mean-variance', tf.tensor2d(target), tf.tensor2d(probs), tf.tensor1d(ages))));
    assert.ok(Math.abs(viaKind - (ce + 0.2 * meanTerm + 0.05 * varTerm)) < 1e-5);
  });

  it('expected age is the mean of the distribution', async () => {
    const t = tf.tidy(() => expectedAgeOf(tf.tensor2d(probs)));
    const v = Array.from(await t.data());
    t.dispose();
    assert.ok(Math.abs(v[0]! - 1.2) < 1e-5 && Math.abs(v[1]! - 2.5) < 1e-5);
  });

  it('has finite gradients through softmax, even at zero probabilities', async () => {
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => {
      const logits = tf.tensor2d([[0, 2, 1, -30, -30], [-30, -30, 1, 1, -30]]);
      return tf.grad((l: tf.Tensor) => ageLoss('mean-variance', tf.tensor2d(target), tf.softmax(l) as tf.Tensor2D, tf.tensor1d(ages)))(logits);
    });
    assert.ok((await g.data()).every(Number.isFinite));
    g.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
