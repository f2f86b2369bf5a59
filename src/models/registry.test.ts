import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '../core/errors.js';
import { createModel, createModelAsync, getModelEntry, listModels, parseModelName, registerModel } from './index.js';

describe('model registry', () => {
  before(() => tf.ready());

  it('lists the built-in architectures with their preprocessing', () => {
    const names = listModels().map((m) => m.name);
    for (const name of ['compact-cnn', 'compact-cnn-gender', 'vgg16-tutorial']) assert.ok(names.includes(name), name);
    for (const entry of listModels()) {
      const p = entry.preprocessing;
      assert.ok(Number.isInteger(p.inputSize) && p.inputSize > 0, `${entry.name} inputSize`);
      assert.equal(p.mean.length, 3);
      assert.equal(p.std.length, 3);
      assert.ok(p.margin > 0);
      assert.ok(p.align === 'eyes' || p.align === 'none');
      assert.ok(entry.description.length > 0);
      assert.equal(entry.outputs[0], 'age');
      assert.equal((entry as unknown as { build?: unknown }).build, undefined, 'entries do not expose build');
    }
    assert.deepEqual(getModelEntry('compact-cnn-gender').outputs, ['age', 'gender']);
  });

  it("stores the tutorial's training settings with vgg16-tutorial", () => {
    assert.deepEqual(
      { ...getModelEntry('vgg16-tutorial').defaultTraining },
      {
        optimizer: 'sgd',
        lr: 0.01,
        momentum: 0.1,
        nesterov: true,
        loss: 'categoricalCrossentropy',
        batchSize: 50,
        schedule: 'constant',
        targets: 'onehot',
        augment: false,
      },
    );
  });

  it("resolves 'name.tag' to the architecture, as timm does", () => {
    assert.deepEqual(parseModelName('compact-cnn.utkface'), { arch: 'compact-cnn', tag: 'utkface' });
    assert.equal(getModelEntry('compact-cnn.utkface').name, 'compact-cnn');
    const model = createModel('compact-cnn.utkface');
    assert.deepEqual(model.inputs[0]!.shape, [null, 64, 64, 3]);
    model.dispose();
  });

  it('rejects unknown names, duplicates and bad definitions', () => {
    assert.throws(() => createModel('nope'), /Expected a registered model name for model but received 'nope' \(known: .*compact-cnn/);
    assert.throws(() => registerModel('compact-cnn', { ...getModelEntry('compact-cnn'), build: () => tf.sequential() }), /already registered/);
    assert.throws(() => registerModel('Bad.Name', { ...getModelEntry('compact-cnn'), build: () => tf.sequential() }), ArgumentError);
    assert.throws(() => registerModel('no-build', {} as never), /build function/);
    assert.throws(() => createModel('compact-cnn', { pretrained: true }), /untrained/);
  });

  it('takes new architectures from other modules, passing the default input size and options', async () => {
    const seen: unknown[] = [];
    registerModel('test-tiny', {
      description: 'a test model',
      preprocessing: { inputSize: 8, mean: [0, 0, 0], std: [1, 1, 1], margin: 1, align: 'none' },
      build: (options) => {
        seen.push(options);
        const input = tf.input({ shape: [options.inputSize, options.inputSize, 3] });
        const out = tf.layers.dense({ units: 101, activation: 'softmax', name: 'age' }).apply(tf.layers.flatten().apply(input));
        return tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
      },
    });
    createModel('test-tiny', { width: 3 }).dispose();
    createModel('test-tiny', { inputSize: 4 }).dispose();
    assert.deepEqual(seen, [{ width: 3, inputSize: 8 }, { inputSize: 4 }]);
    assert.deepEqual(getModelEntry('test-tiny').outputs, ['age']);

    registerModel('test-async', {
      description: 'built asynchronously',
      preprocessing: getModelEntry('test-tiny').preprocessing,
      build: async () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 101, name: 'age' })] }),
    });
    assert.throws(() => createModel('test-async'), /createModelAsync/);
    const model = await createModelAsync('test-async');
    assert.equal(model.outputs[0]!.shape[1], 101);
    model.dispose();
  });

  it('a seed makes the initial weights reproducible', () => {
    const weights = (seed: number) => {
      const model = createModel('compact-cnn', { seed });
      const values = model.getWeights().map((w) => Array.from(w.dataSync().slice(0, 8)));
      model.dispose();
      return values;
    };
    assert.deepEqual(weights(3), weights(3));
    assert.notDeepEqual(weights(3), weights(4));
  });
});
