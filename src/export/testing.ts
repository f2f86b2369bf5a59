// Small models with random weights, for the exporter's tests and the ONNX benchmark. Stand-ins with the shapes
// of our real models; the real ones live in src/models.
import { tf } from '../tf/backend.js';
import { seededRandom } from '../core/rng.js';

type T = tf.SymbolicTensor;

/** A seeded uniform [0, 1) generator (mulberry32). */
export function randomArray(length: number, seed: number, low = 0, high = 1): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length }, () => low + (high - low) * next());
}

/**
 * Replaces every weight that its initializer left constant (biases, BatchNorm statistics, PReLU alpha) with
 * random values, so a test exercises them; variances and scales stay positive.
 */
export function randomizeWeights(model: tf.LayersModel, seed = 1): void {
  const next = seededRandom(seed);
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const replaced = weights.map((w, i) => {
      const data = w.dataSync();
      if (data.length > 1 && data.some((v) => v !== data[0])) return w;
      const name = layer.weights[i].originalName ?? layer.weights[i].name;
      const positive = /gamma|variance/.test(name);
      const values = Float32Array.from(data, () => (positive ? 0.5 + next() : next() - 0.5));
      return tf.tensor(values, w.shape);
    });
    layer.setWeights(replaced);
    replaced.forEach((t, i) => t !== weights[i] && t.dispose());
  }
}

function apply(layer: tf.layers.Layer, x: T | T[]): T {
  return layer.apply(x) as T;
}

/**
 * The compact CNN of design.md: 5 x (conv3x3 + BatchNorm + ReLU; 32-64-128-256-256, 2x2 max pool after the first
 * four) + global average pool + 101-way softmax, 64x64x3 input.
 */
export function compactCnn(): tf.LayersModel {
  const input = tf.input({ shape: [64, 64, 3], name: 'image' });
  let x: T = input;
  [32, 64, 128, 256, 256].forEach((filters, i) => {
    x = apply(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, name: `conv${i + 1}` }), x);
    x = apply(tf.layers.batchNormalization({ name: `bn${i + 1}` }), x);
    x = apply(tf.layers.reLU({ name: `relu${i + 1}` }), x);
    if (i < 4) x = apply(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${i + 1}` }), x);
  });
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  x = apply(tf.layers.dropout({ rate: 0.2, name: 'dropout' }), x);
  const age = apply(tf.layers.dense({ units: 101, activation: 'softmax', name: 'age' }), x);
  const model = tf.model({ inputs: input, outputs: age, name: 'compact' });
  randomizeWeights(model, 7);
  return model;
}

/** Xception entry-flow block: two SeparableConv2D + BN, same max pool stride 2, strided 1x1 conv shortcut, Add. */
export function xceptionBlock(size = 33, channels = 16, filters = 32): tf.LayersModel {
  const input = tf.input({ shape: [size, size, channels] });
  let x = apply(tf.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false }), input);
  x = apply(tf.layers.batchNormalization(), x);
  x = apply(tf.layers.activation({ activation: 'relu' }), x);
  x = apply(tf.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false }), x);
  x = apply(tf.layers.batchNormalization(), x);
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
  let shortcut = apply(tf.layers.conv2d({ filters, kernelSize: 1, strides: 2, padding: 'same', useBias: false }), input);
  shortcut = apply(tf.layers.batchNormalization(), shortcut);
  const out = apply(tf.layers.add(), [x, shortcut]);
  const model = tf.model({ inputs: input, outputs: out, name: 'xception_block' });
  randomizeWeights(model, 11);
  return model;
}

/** A shared trunk with an age head (101-way softmax) and a gender head (2-way softmax). */
export function ageGenderModel(size = 32): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), input);
  x = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }), x);
  x = apply(tf.layers.batchNormalization(), x);
  x = apply(tf.layers.activation({ activation: 'relu6' }), x);
  x = apply(tf.layers.globalAveragePooling2d({}), x);
  const age = apply(tf.layers.dense({ units: 101, activation: 'softmax', name: 'age' }), x);
  const gender = apply(tf.layers.dense({ units: 2, activation: 'softmax', name: 'gender' }), x);
  const model = tf.model({ inputs: input, outputs: [age, gender], name: 'age_gender' });
  randomizeWeights(model, 5);
  return model;
}
