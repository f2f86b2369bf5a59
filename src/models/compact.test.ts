import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '../train/kernels/index.js';
import { createModel } from './index.js';
import { trainSteps } from './testing.js';

// conv3x3 without bias (BatchNorm follows) + 4 BatchNorm weights per channel, 32-64-128-256-256, Dense 256 -> 101.
const FILTERS = [32, 64, 128, 256, 256];
const CONV = FILTERS.reduce((sum, f, i) => sum + 9 * (i === 0 ? 3 : FILTERS[i - 1]!) * f, 0);
const BN = FILTERS.reduce((sum, f) => sum + 4 * f, 0);
const AGE_HEAD = 256 * 101 + 101;

describe('compact-cnn', () => {
  before(async () => {
    await tf.setBackend('wasm');
    registerTrainingKernels();
  });

  it('has the design.md architecture: 64x64 in, 1.0 M parameters, an age softmax over 0..100', () => {
    const model = createModel('compact-cnn');
    assert.equal(model.countParams(), CONV + BN + AGE_HEAD);
    assert.equal(model.countParams(), 1_006_661);
    assert.deepEqual(model.inputs[0]!.shape, [null, 64, 64, 3]);
    assert.deepEqual(model.outputNames, ['age']);
    assert.deepEqual(model.outputs[0]!.shape, [null, 101]);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    assert.deepEqual(convs.map((l) => (l.getConfig() as { filters: number }).filters), FILTERS);
    assert.equal(model.layers.filter((l) => l.getClassName() === 'MaxPooling2D').length, 4);
    assert.equal(model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length, 5);
    model.dispose();
  });

  it('the gender variant adds a 2-way gender head', () => {
    const model = createModel('compact-cnn-gender');
    assert.deepEqual(model.outputNames, ['age', 'gender']);
    assert.deepEqual(model.outputs[1]!.shape, [null, 2]);
    assert.equal(model.countParams(), CONV + BN + AGE_HEAD + 256 * 2 + 2);
    model.dispose();
  });

  it('predicts distributions without leaking tensors, and trains on wasm (loss falls)', () => {
    const model = createModel('compact-cnn', { seed: 5 });
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([4, 64, 64, 3], 0, 1, 'float32', 1);
    const probs = model.predict(x) as tf.Tensor;
    const sums = tf.sum(probs, 1);
    for (const s of sums.dataSync()) assert.ok(Math.abs(s - 1) < 1e-4);
    tf.dispose([probs, sums]);

    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([3, 25, 50, 90], 'int32'), 101));
    const optimizer = tf.train.adam(1e-3);
    const losses = trainSteps(model, optimizer, x, y, 5);
    assert.ok(losses[4]! < losses[0]! - 0.1, `loss ${losses.map((l) => l.toFixed(3)).join(' -> ')}`);
    optimizer.dispose();
    tf.dispose([x, y]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    model.dispose();
  });
});
