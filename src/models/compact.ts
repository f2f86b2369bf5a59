// The compact CNN of design.md: 5 x (conv3x3 + BatchNorm + ReLU) with 32-64-128-256-256 filters, 2x2 max pooling
// after the first four, global average pooling and a DEX head (softmax over ages 0..100). 64x64 input, 1.0 M
// parameters: small enough to train on two CPU cores in hours.
import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../core/types.js';
import { DEFAULT_MARGIN } from '../image/align.js';
import { seededInit } from './init.js';
import { registerModel, type ModelOptions } from './registry.js';

export const COMPACT_FILTERS = [32, 64, 128, 256, 256] as const;

export const COMPACT_PREPROCESSING: Preprocessing = {
  inputSize: 64,
  mean: [127.5, 127.5, 127.5],
  std: [127.5, 127.5, 127.5],
  margin: DEFAULT_MARGIN,
  align: 'eyes',
};

export interface CompactOptions extends ModelOptions {
  inputSize: number;
  /** Add a 'gender' head (softmax over [male, female]). */
  gender?: boolean;
  /** Dropout before the heads (0 = none). */
  dropout?: number;
}

export function buildCompactCnn(options: CompactOptions): tf.LayersModel {
  const init = seededInit(options.seed);
  const input = tf.input({ shape: [options.inputSize, options.inputSize, 3], name: 'face' });
  let x: tf.SymbolicTensor = input;
  COMPACT_FILTERS.forEach((filters, i) => {
    const n = i + 1;
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init('he'), name: `conv${n}` })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `bn${n}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `relu${n}` }).apply(x) as tf.SymbolicTensor;
    if (i < COMPACT_FILTERS.length - 1) {
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${n}` }).apply(x) as tf.SymbolicTensor;
    }
  });
  let features = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(x) as tf.SymbolicTensor;
  if (options.dropout) {
    features = tf.layers.dropout({ rate: options.dropout, name: 'dropout' }).apply(features) as tf.SymbolicTensor;
  }
  const age = tf.layers
    .dense({ units: 101, activation: 'softmax', kernelInitializer: init('glorot'), name: 'age' })
    .apply(features) as tf.SymbolicTensor;
  const outputs = [age];
  if (options.gender) {
    outputs.push(
      tf.layers
        .dense({ units: 2, activation: 'softmax', kernelInitializer: init('glorot'), name: 'gender' })
        .apply(features) as tf.SymbolicTensor,
    );
  }
  return tf.model({ inputs: input, outputs: outputs.length === 1 ? age : outputs, name: 'compact_cnn' });
}

const compactTraining = {
  optimizer: 'adam',
  lr: 1e-3,
  batchSize: 32,
  schedule: 'cosine',
  targets: 'gaussian',
  augment: true,
} as const;

registerModel('compact-cnn', {
  build: (options) => buildCompactCnn({ ...options, gender: false }),
  description: 'Compact CNN (5 conv+BN+ReLU, 32-256 filters), 64x64, DEX age head, 1.0 M parameters',
  preprocessing: COMPACT_PREPROCESSING,
  defaultTraining: compactTraining,
  outputs: ['age'],
});

registerModel('compact-cnn-gender', {
  build: (options) => buildCompactCnn({ ...options, gender: true }),
  description: 'compact-cnn with a second head: gender (softmax over male, female)',
  preprocessing: COMPACT_PREPROCESSING,
  defaultTraining: compactTraining,
  outputs: ['age', 'gender'],
});
