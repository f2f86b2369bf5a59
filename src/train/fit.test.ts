import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../tf/backend.js';
import { evaluate } from './evaluate.js';
import { fit, type FitOptions } from './fit.js';
import { gaussianTargets } from './step.js';
import { batchToInput } from './tensors.js';
import { initTrainingBackend } from './run.js';
import { syntheticData, tinyModel, TINY_PREPROCESSING } from './testing.js';
import type { FitContext } from './types.js';

const BASE: FitOptions = {
  epochs: 3,
  batchSize: 16,
  preprocessing: TINY_PREPROCESSING,
  optimizer: 'adam',
  lr: 0.01,
  loss: 'dex',
  augment: false,
  seed: 3,
};

async function snapshot(model: tf.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const w of model.weights) out.set(w.originalName, (await w.read().data()) as Float32Array);
  return out;
}

describe('fit', () => {
  before(async () => {
    await initTrainingBackend();
  });

  it('lowers the loss on a learnable task and reports per-epoch history', async () => {
    const model = tinyModel();
    const history = await fit(model, syntheticData(6, 16), { ...BASE, epochs: 4, validationData: () => syntheticData(2, 32, 99)() });
    const loss = history.history.loss!;
    assert.deepEqual(history.epoch, [0, 1, 2, 3]);
    assert.ok(loss[3]! < loss[0]! * 0.9, `loss ${loss.join(' -> ')}`);
    const mae = history.history.val_mae!;
    assert.ok(mae[3]! < mae[0]!, `val MAE ${mae.join(' -> ')}`);
    assert.ok(history.history.val_cs5!.every((v) => v >= 0 && v <= 1));
    model.dispose();
  });

  it('trains with SGD + Nesterov, a cosine schedule and a gender head', async () => {
    const model = tinyModel({ gender: true });
    const history = await fit(model, syntheticData(6, 16), {
      ...BASE,
      epochs: 3,
      optimizer: 'sgd',
      lr: 0.05,
      momentum: 0.9,
      nesterov: true,
      schedule: { kind: 'cosine', totalSteps: 0, warmupSteps: 2 },
      stepsPerEpoch: 6,
      validationData: () => syntheticData(2, 32, 99)(),
    });
    const loss = history.history.loss!;
    assert.ok(loss[2]! < loss[0]!, `loss ${loss.join(' -> ')}`);
    assert.ok(history.history.val_genderAccuracy!.at(-1)! > 0.6, `gender ${history.history.val_genderAccuracy}`);
    assert.ok(history.history.lr!.at(-1)! < 0.01);
    model.dispose();
  });

  it('trains with the mean-variance loss on augmented faces', async () => {
    const model = tinyModel({ gender: true });
    const history = await fit(model, syntheticData(6, 16), {
      ...BASE,
      loss: 'mean-variance',
      augment: true,
      validationData: () => syntheticData(2, 32, 99)(),
    });
    const mae = history.history.val_mae!;
    assert.ok(mae[2]! < mae[0]!, `val MAE ${mae.join(' -> ')}`);
    model.dispose();
  });

  it('leaves frozen layers (and their BatchNorm statistics) unchanged and computes no gradient for them', async () => {
    const model = tinyModel({ batchNorm: true, gender: true });
    for (const name of ['trunk', 'trunk_bn']) model.getLayer(name).trainable = false;
    const before = await snapshot(model);
    let trained: string[] = [];
    const history = await fit(model, syntheticData(4, 16), {
      ...BASE,
      epochs: 2,
      augment: true,
      callbacks: [{ onTrainBegin: (ctx: FitContext) => void (trained = ctx.trainableVariables.map((v) => v.name)) }],
    });
    assert.equal(history.epoch.length, 2);
    const after = await snapshot(model);
    for (const [name, values] of before) {
      const frozen = name.startsWith('trunk');
      const same = values.every((v, i) => v === after.get(name)![i]);
      assert.equal(same, frozen, `${name} ${frozen ? 'changed' : 'did not change'}`);
    }
    assert.ok(trained.length > 0 && trained.every((n) => !n.includes('trunk')), trained.join(', '));
    // the BatchNorm patch is undone after fit: the layer runs in training mode again if unfrozen
    assert.equal(Object.hasOwn(model.getLayer('trunk_bn'), 'call'), false);
    model.dispose();
  });

  it('leaks no tensors over a fit with validation', async () => {
    const model = tinyModel({ gender: true, batchNorm: true });
    const before = tf.memory().numTensors;
    await fit(model, syntheticData(3, 8), { ...BASE, epochs: 2, optimizer: 'sgd', momentum: 0.5, augment: true, validationData: () => syntheticData(1, 8, 5)() });
    await fit(model, syntheticData(3, 8), { ...BASE, epochs: 1, validationData: () => syntheticData(1, 8, 5)() });
    assert.equal(tf.memory().numTensors, before);
    const beforeEval = tf.memory().numTensors;
    const m = await evaluate(model, syntheticData(2, 8, 5)(), { preprocessing: TINY_PREPROCESSING });
    assert.equal(m.n, 16);
    assert.equal(tf.memory().numTensors, beforeEval);
    model.dispose();
  });

  it('gaussianTargets: distributions over the ages whose mean is the age away from the ends', async () => {
    const t = gaussianTargets(tf.tensor1d([30, 0.5, 150]), 101, 3);
    const rows = (await t.array()) as number[][];
    t.dispose();
    for (const row of rows) assert.ok(Math.abs(row.reduce((s, p) => s + p, 0) - 1) < 1e-5);
    const mean = rows[0]!.reduce((s, p, k) => s + p * k, 0);
    assert.ok(Math.abs(mean - 30) < 1e-3, `mean ${mean}`);
    assert.ok(rows[2]![100]! > 0.1, 'an age past the last class sits on the last class');
  });

  it('distillation pulls the predictions towards the teacher; age weights change what is learnt', async () => {
    // A teacher that says 70 for every face; the synthetic ages are spread over 0..100.
    const input = tf.input({ shape: [TINY_PREPROCESSING.inputSize, TINY_PREPROCESSING.inputSize, 3] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1, kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: 70 }) }).apply(flat) as tf.SymbolicTensor;
    const teacher = tf.model({ inputs: input, outputs: out });
    const meanPrediction = async (model: tf.LayersModel) => {
      let sum = 0;
      let n = 0;
      for await (const batch of syntheticData(2, 32, 99)()) {
        const x = batchToInput(batch, TINY_PREPROCESSING);
        const probs = model.predict(x) as tf.Tensor2D;
        const ages = tf.sum(tf.mul(probs, tf.range(0, 101)), 1);
        sum += (await ages.sum().data())[0]!;
        n += batch.count;
        tf.dispose([x, probs, ages]);
      }
      return sum / n;
    };
    const plain = tinyModel();
    await fit(plain, syntheticData(6, 16), { ...BASE, epochs: 3 });
    const distilled = tinyModel();
    await fit(distilled, syntheticData(6, 16), { ...BASE, epochs: 3, distill: { teacher, weight: 0.8 } });
    const [p, d] = [await meanPrediction(plain), await meanPrediction(distilled)];
    assert.ok(d > p + 5, `plain ${p.toFixed(1)}, distilled ${d.toFixed(1)}`);
    const old = tinyModel();
    const weights = new Float32Array(101).fill(0.01);
    weights.fill(10, 60);
    await fit(old, syntheticData(6, 16), { ...BASE, epochs: 3, ageWeights: weights });
    const o = await meanPrediction(old);
    assert.ok(o > p + 3, `plain ${p.toFixed(1)}, weighted to the old ${o.toFixed(1)}`);
    tf.dispose([plain, distilled, old, teacher].flatMap((m) => m.weights.map((w) => w.read())));
  });

  it('trains a conv layer on this backend', async () => {
    const model = tinyModel({ conv: true });
    const conv = (await model.getLayer('conv').getWeights()[0]!.data()).slice();
    const history = await fit(model, syntheticData(3, 8), { ...BASE, epochs: 1 });
    assert.ok(Number.isFinite(history.history.loss![0]));
    const after = await model.getLayer('conv').getWeights()[0]!.data();
    assert.ok(after.some((v, i) => v !== conv[i]));
    model.dispose();
  });
});
