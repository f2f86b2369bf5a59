import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '../train/kernels/index.js';
import { createModel, getModelEntry } from './index.js';
import { trainSteps } from './testing.js';

// Keras VGG16's convolutional base: 13 conv3x3 layers with biases.
const BLOCKS = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];
function convBaseParams(): number {
  let inChannels = 3;
  let total = 0;
  for (const filters of BLOCKS.flat()) {
    total += 3 * 3 * inChannels * filters + filters;
    inChannels = filters;
  }
  return total;
}
const dense = (inputs: number, units: number) => inputs * units + units;

describe('vgg16-tutorial', () => {
  before(async () => {
    await tf.setBackend('wasm');
    registerTrainingKernels();
  });

  it("has the Keras model's parameter count and the tutorial's layers", () => {
    assert.equal(convBaseParams(), 14_714_688);
    const flat = 4 * 4 * 512; // 128 / 2^5 = 4
    const expected = convBaseParams() + dense(flat, 4090) + dense(4090, 4090) + dense(4090, 100);
    const model = createModel('vgg16-tutorial');
    assert.equal(model.countParams(), expected);
    assert.equal(expected, 65_365_348);
    assert.deepEqual(model.inputs[0]!.shape, [null, 128, 128, 3]);
    assert.deepEqual(model.outputNames, ['age']);
    assert.deepEqual(model.outputs[0]!.shape, [null, 100]);
    const kinds = model.layers.map((l) => l.getClassName());
    assert.equal(kinds.filter((k) => k === 'Conv2D').length, 13);
    assert.equal(kinds.filter((k) => k === 'MaxPooling2D').length, 5);
    assert.deepEqual(kinds.slice(-5), ['Flatten', 'Dense', 'Dense', 'Dropout', 'Dense']);
    model.dispose();
  });

  // ~5 s a step for 2 images on this CPU: 3 steps keep the test well under a minute.
  it("trains with the tutorial's defaults on wasm: the loss falls over a few SGD steps", () => {
    const training = getModelEntry('vgg16-tutorial').defaultTraining!;
    const model = createModel('vgg16-tutorial', { seed: 1 });
    const optimizer = tf.train.momentum(training.lr!, training.momentum!, training.nesterov);
    const x = tf.randomUniform([2, 128, 128, 3], 0, 1, 'float32', 2);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([21, 64], 'int32'), 100));
    const losses = trainSteps(model, optimizer, x, y, 3);
    assert.ok(losses.every(Number.isFinite), `loss ${losses}`);
    assert.ok(losses[2]! < losses[0]! - 0.01, `loss ${losses.map((l) => l.toFixed(4)).join(' -> ')}`);
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
