// The tutorial's network: Keras VGG16's convolutional base at 128x128, then Flatten, two Dense 4090 (sic), dropout
// and a 100-way softmax over ages. Far too slow to train on a CPU (65 M parameters); kept as the reference.
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MARGIN } from '../image/align.js';
import { seededInit } from './init.js';
import { registerModel, type ModelOptions } from './registry.js';

const BLOCKS: readonly (readonly number[])[] = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];

export function buildVgg16Tutorial(options: ModelOptions & { inputSize: number }): tf.LayersModel {
  const init = seededInit(options.seed);
  const model = tf.sequential({ name: 'vgg16_tutorial' });
  BLOCKS.forEach((filters, b) => {
    filters.forEach((f, i) => {
      model.add(
        tf.layers.conv2d({
          ...(b === 0 && i === 0 ? { inputShape: [options.inputSize, options.inputSize, 3] } : {}),
          filters: f,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: init('glorot'),
          name: `block${b + 1}_conv${i + 1}`,
        }),
      );
    });
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }));
  });
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ units: 4090, activation: 'relu', kernelInitializer: init('glorot'), name: 'fc1' }));
  model.add(tf.layers.dense({ units: 4090, activation: 'relu', kernelInitializer: init('glorot'), name: 'fc2' }));
  model.add(tf.layers.dropout({ rate: 0.5, name: 'dropout' }));
  model.add(tf.layers.dense({ units: 100, activation: 'softmax', kernelInitializer: init('glorot'), name: 'age' }));
  return model;
}

registerModel('vgg16-tutorial', {
  build: buildVgg16Tutorial,
  description: "The tutorial's VGG16 (128x128, Dense 4090-4090, 100-way age softmax over 0..99), 65.4 M parameters",
  // The tutorial fed UTKFace's aligned crops, scaled to 0..1; DEFAULT_MARGIN frames a face the way they do.
  preprocessing: { inputSize: 128, mean: [0, 0, 0], std: [255, 255, 255], margin: DEFAULT_MARGIN, align: 'eyes' },
  defaultTraining: {
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
  outputs: ['age'],
});
