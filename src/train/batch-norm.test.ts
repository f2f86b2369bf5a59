import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { seededRandom } from '../core/rng.js';
import { tf } from '../tf/backend.js';
import { fuseBatchNormGradients } from './batch-norm.js';
import { initTrainingBackend } from './run.js';
import { freezeBatchNormStatistics } from './trainable.js';

/** A conv + BatchNorm + dense net whose BN layers see a shifted, scaled activation (as after a conv). */
function netWithBatchNorm(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3] });
  let x = tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn_conv', gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed }), betaInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 1 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 7, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn_dense' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function batch(seed: number, n: number): { x: tf.Tensor; y: tf.Tensor } {
  const next = seededRandom(seed);
  const x = tf.tensor4d(Float32Array.from({ length: n * 6 * 6 * 3 }, () => next() * 4 + 1), [n, 6, 6, 3]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 4), 'int32'), 4).toFloat();
  return { x, y };
}

/** Loss, gradients (in trainable-weight order) and the moving statistics after one training-mode pass. */
function trainingPass(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, variables);
  const out = {
    loss: value.dataSync()[0]!,
    grads: variables.map((v) => grads[v.name]!.dataSync() as Float32Array),
    moving: model.layers.filter((l) => l.getClassName() === 'BatchNormalization').flatMap((l) => l.getWeights().slice(2).map((w) => w.dataSync() as Float32Array)),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** max |a - b| relative to the largest gradient of the whole model (a conv bias before BN has a gradient of ~0). */
function relativeDifference(a: Float32Array, b: Float32Array, scale: number): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  return diff / scale;
}

describe('fuseBatchNormGradients', () => {
  before(async () => {
    await initTrainingBackend();
  });

  it('gives the gradients and moving statistics of tfjs-layers BatchNormalization, conv and dense', () => {
    const { x, y } = batch(3, 8);
    const reference = trainingPass(netWithBatchNorm(11), x, y);
    const model = netWithBatchNorm(11);
    const undo = fuseBatchNormGradients(model);
    const fused = trainingPass(model, x, y);
    assert.equal(fused.loss, reference.loss, 'the forward pass is the same ops');
    assert.equal(fused.grads.length, reference.grads.length);
    const scale = Math.max(...reference.grads.map((g) => Math.max(...g.map(Math.abs))));
    fused.grads.forEach((g, i) => {
      const difference = relativeDifference(g, reference.grads[i]!, scale);
      assert.ok(difference < 1e-5, `gradient ${i} differs by ${difference} of the largest`);
    });
    fused.moving.forEach((m, i) => assert.deepEqual(m, reference.moving[i]));
    // gamma and beta of the conv BN actually get gradients (not zeros through a broken tape)
    const bnGamma = model.trainableWeights.findIndex((w) => w.name.includes('bn_conv') && w.name.includes('gamma'));
    assert.ok(fused.grads[bnGamma]!.some((v) => Math.abs(v) > 1e-6));
    undo();
    assert.equal(Object.hasOwn(model.layers.find((l) => l.name === 'bn_conv')!, 'call'), false);
    tf.dispose([x, y]);
  });

  it('leaves inference mode and frozen layers alone', () => {
    const model = netWithBatchNorm(5);
    model.getLayer('bn_conv').trainable = false;
    const thaw = freezeBatchNormStatistics(model);
    const undo = fuseBatchNormGradients(model);
    assert.equal(Object.hasOwn(model.getLayer('bn_dense'), 'call'), true, 'the training BN is fused');
    const frozenCall = model.getLayer('bn_conv').call;
    const { x } = batch(4, 4);
    const before = model.getLayer('bn_conv').getWeights()[2]!.dataSync().slice();
    tf.tidy(() => {
      model.apply(x, { training: true });
    });
    const inference = (model.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(model.getLayer('bn_conv').getWeights()[2]!.dataSync(), before, 'the frozen layer keeps its moving mean');
    assert.equal(model.getLayer('bn_conv').call, frozenCall, 'the frozen layer keeps the freeze patch');
    undo();
    thaw();
    const reference = netWithBatchNorm(5);
    model.layers.forEach((layer, i) => reference.layers[i]!.setWeights(layer.getWeights()));
    assert.deepEqual((reference.predict(x) as tf.Tensor).dataSync(), inference);
  });
});
