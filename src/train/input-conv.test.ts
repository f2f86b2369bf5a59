import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { seededRandom } from '../core/rng.js';
import { tf } from '../tf/backend.js';
import { skipInputGradients } from './input-conv.js';
import { initTrainingBackend } from './run.js';

function twoConvNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  let x = tf.layers.conv2d({ name: 'first', filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(1), biasInitializer: 'ones' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ name: 'second', filters: 5, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', kernelInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** The gradients of every trainable weight, and how many Conv2DBackpropInput kernels computing them ran. */
async function gradients(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<{ grads: Float32Array[]; inputGradients: number }> {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let grads: Float32Array[] = [];
  const profile = await tf.profile(() => {
    const { value, grads: g } = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, variables);
    grads = variables.map((v) => g[v.name]!.dataSync() as Float32Array);
    tf.dispose([value, ...Object.values(g)]);
  });
  return { grads, inputGradients: profile.kernels.filter((k) => k.name === 'Conv2DBackpropInput').length };
}

describe('skipInputGradients', () => {
  before(async () => {
    await initTrainingBackend();
  });

  it('gives the same gradients without computing the gradient of the photo', async () => {
    const next = seededRandom(9);
    const x = tf.tensor4d(Float32Array.from({ length: 6 * 8 * 8 * 3 }, () => next() * 2 - 1), [6, 8, 8, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3).toFloat();
    const reference = await gradients(twoConvNet(), x, y);
    const model = twoConvNet();
    const undo = skipInputGradients(model);
    assert.equal(Object.hasOwn(model.getLayer('first'), 'call'), true);
    assert.equal(Object.hasOwn(model.getLayer('second'), 'call'), false, 'a conv fed by another layer keeps its input gradient');
    const skipped = await gradients(model, x, y);
    assert.equal(reference.inputGradients, 2, "tfjs-layers' fused conv computes the photo's gradient too");
    assert.equal(skipped.inputGradients, 1);
    assert.equal(skipped.grads.length, reference.grads.length);
    skipped.grads.forEach((g, i) => {
      const scale = Math.max(...reference.grads[i]!.map(Math.abs));
      g.forEach((v, j) => assert.ok(Math.abs(v - reference.grads[i]![j]!) <= 1e-6 * Math.max(scale, 1e-3), `gradient ${i}[${j}]: ${v} vs ${reference.grads[i]![j]}`));
    });
    undo();
    assert.equal(Object.hasOwn(model.getLayer('first'), 'call'), false);
    tf.dispose([x, y]);
  });
});
