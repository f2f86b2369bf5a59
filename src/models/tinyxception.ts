// face-api.js's AgeGenderNet backbone (TinyXception, 2 middle blocks, 112x112 input) rebuilt as a TF.js Layers
// model, so its pretrained weights (shipped in the @vladmandic/face-api npm package) can be frozen, fine-tuned,
// trained with our callbacks and exported to ONNX like any of our models.
import { tf } from '../tf/backend.js';
import { readFaceApiWeights } from '../core/face-api.js';
export { faceApiModelDir } from '../core/face-api.js';
import type { Preprocessing } from '../core/types.js';
import { DEFAULT_MARGIN } from '../image/align.js';
import { registerModel } from './registry.js';

export const FACE_API_AGE_PREPROCESSING: Preprocessing = {
  inputSize: 112,
  // face-api normalises with these means and divides by 256 (TinyXception.forwardInput)
  mean: [122.782, 117.001, 104.298],
  std: [256, 256, 256],
  margin: DEFAULT_MARGIN,
  align: 'eyes',
};

type Layer = tf.layers.Layer;
type SymbolicTensor = tf.SymbolicTensor;

const relu = (x: SymbolicTensor, name: string) => tf.layers.reLU({ name }).apply(x) as SymbolicTensor;

function separable(x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  return tf.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: true, name }).apply(x) as SymbolicTensor;
}

function reductionBlock(x: SymbolicTensor, filters: number, name: string, activateInput: boolean): SymbolicTensor {
  let out = activateInput ? relu(x, `${name}/relu_in`) : x;
  out = separable(out, filters, `${name}/separable_conv0`);
  out = separable(relu(out, `${name}/relu0`), filters, `${name}/separable_conv1`);
  out = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: `${name}/pool` }).apply(out) as SymbolicTensor;
  const shortcut = tf.layers.conv2d({ filters, kernelSize: 1, strides: 2, padding: 'same', useBias: true, name: `${name}/expansion_conv` }).apply(x) as SymbolicTensor;
  return tf.layers.add({ name: `${name}/add` }).apply([out, shortcut]) as SymbolicTensor;
}

function mainBlock(x: SymbolicTensor, name: string): SymbolicTensor {
  let out = separable(relu(x, `${name}/relu0`), 128, `${name}/separable_conv0`);
  out = separable(relu(out, `${name}/relu1`), 128, `${name}/separable_conv1`);
  out = separable(relu(out, `${name}/relu2`), 128, `${name}/separable_conv2`);
  return tf.layers.add({ name: `${name}/add` }).apply([out, x]) as SymbolicTensor;
}

/** The backbone up to the 512-channel 7x7 feature map's global average (face-api's "bottleneck" + avgPool). */
export function tinyXceptionFeatures(input: SymbolicTensor): SymbolicTensor {
  let out = tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: true, name: 'entry_flow/conv_in' }).apply(input) as SymbolicTensor;
  out = relu(out, 'entry_flow/relu_in');
  out = reductionBlock(out, 64, 'entry_flow/reduction_block_0', false);
  out = reductionBlock(out, 128, 'entry_flow/reduction_block_1', true);
  out = mainBlock(out, 'middle_flow/main_block_0');
  out = mainBlock(out, 'middle_flow/main_block_1');
  out = reductionBlock(out, 256, 'exit_flow/reduction_block', true);
  out = separable(out, 512, 'exit_flow/separable_conv');
  out = relu(out, 'exit_flow/relu_out');
  return tf.layers.globalAveragePooling2d({ name: 'features' }).apply(out) as SymbolicTensor;
}

/** face-api's age_gender_model weights, keyed by face-api's names. */
export function readFaceApiAgeGenderWeights(): Promise<tf.NamedTensorMap> {
  return readFaceApiWeights('age_gender_model');
}

/**
 * Copies face-api's weights into every layer of `model` whose name matches a face-api weight prefix
 * (entry_flow/..., middle_flow/..., exit_flow/...). Returns the names of the layers it set.
 */
export function setFaceApiWeights(model: tf.LayersModel, weights: tf.NamedTensorMap): string[] {
  const set: string[] = [];
  for (const layer of model.layers as Layer[]) {
    const name = layer.name;
    if (weights[`${name}/depthwise_filter`]) {
      layer.setWeights([weights[`${name}/depthwise_filter`]!, weights[`${name}/pointwise_filter`]!, weights[`${name}/bias`]!]);
      set.push(name);
    } else if (weights[`${name}/filters`]) {
      layer.setWeights([weights[`${name}/filters`]!, weights[`${name}/bias`]!]);
      set.push(name);
    }
  }
  return set;
}

export interface FaceApiAgeModelOptions {
  /** Load face-api's pretrained backbone (and gender head) weights; false for a random init. */
  pretrained?: boolean;
  /** Freeze the backbone up to and including this block prefix ('all', 'none', or e.g. 'middle_flow'). */
  freeze?: 'all' | 'entry_flow' | 'middle_flow' | 'none';
  /** Units of a hidden Dense layer before the age softmax (0: none). */
  hidden?: number;
  dropout?: number;
}

/**
 * Starts the DEX head where face-api's age regression a(f) = w·f + b already is: logits
 * z_k = (k·a(f) − k²/2) / sigma² are linear in the features f, and their softmax is a Gaussian over ages k centred
 * on a(f) with spread sigma. Training then refines a head that is right from step one (a random head took
 * several epochs to get back to face-api's MAE).
 */
export function initDexFromRegression(ageLayer: tf.layers.Layer, w: tf.Tensor, b: tf.Tensor, sigma = DEX_INIT_SIGMA): void {
  const [kernel, bias] = tf.tidy(() => {
    const classes = tf.range(0, 101, 1, 'float32');
    const scale = 1 / (sigma * sigma);
    const k = tf.mul(tf.reshape(w, [-1, 1]), tf.reshape(tf.mul(classes, scale), [1, -1]));
    const c = tf.mul(tf.sub(tf.mul(classes, tf.reshape(b, [])), tf.div(tf.square(classes), 2)), scale);
    return [k, c];
  });
  ageLayer.setWeights([kernel!, bias!]);
  tf.dispose([kernel!, bias!]);
}

/**
 * Spread of the starting Gaussian head, years. A Gaussian clipped at age 0 has its mean above its centre (for a
 * regression of 1 year: +3.9 years with sigma 6, +1.5 with sigma 3); with sigma 6 the head read FairFace's 0-2
 * year olds 5.8 years older than face-api's regression did.
 */
export const DEX_INIT_SIGMA = 3;

/**
 * face-api.js's AgeGenderNet as it is: the backbone and its linear age regression (output 'age', [n, 1], years),
 * every layer frozen. The teacher of distillation (train --distill) and the reference line of bench:robust.
 */
export async function buildFaceApiAgeRegression(): Promise<tf.LayersModel> {
  const input = tf.input({ shape: [112, 112, 3], name: 'face' });
  const age = tf.layers.dense({ units: 1, name: 'age' }).apply(tinyXceptionFeatures(input)) as SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: age, name: 'faceapi_age_regression' });
  const weights = await readFaceApiAgeGenderWeights();
  setFaceApiWeights(model, weights);
  model.getLayer('age').setWeights([weights['fc/age/weights']!, weights['fc/age/bias']!]);
  tf.dispose(Object.values(weights));
  for (const layer of model.layers) layer.trainable = false;
  return model;
}

const FREEZE_ORDER = ['entry_flow', 'middle_flow', 'exit_flow'] as const;

/**
 * TinyXception backbone + DEX age head ('age': softmax over 0..100) + gender head ('gender': softmax over
 * [male, female]), the backbone and gender head initialised from face-api's AgeGenderNet.
 */
export async function buildFaceApiAgeModel(options: FaceApiAgeModelOptions = {}): Promise<tf.LayersModel> {
  const input = tf.input({ shape: [112, 112, 3], name: 'face' });
  const features = tinyXceptionFeatures(input);
  let x = features;
  if (options.dropout) x = tf.layers.dropout({ rate: options.dropout, name: 'dropout' }).apply(x) as SymbolicTensor;
  let ageIn = x;
  if (options.hidden) {
    ageIn = tf.layers.dense({ units: options.hidden, activation: 'relu', name: 'age_hidden' }).apply(x) as SymbolicTensor;
  }
  const age = tf.layers.dense({ units: 101, activation: 'softmax', name: 'age' }).apply(ageIn) as SymbolicTensor;
  const gender = tf.layers.dense({ units: 2, activation: 'softmax', name: 'gender' }).apply(x) as SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [age, gender], name: 'tinyxception_age' });
  if (options.pretrained ?? true) {
    const weights = await readFaceApiAgeGenderWeights();
    setFaceApiWeights(model, weights);
    // face-api's gender classes are [male, female], ours too
    model.getLayer('gender').setWeights([weights['fc/gender/weights']!, weights['fc/gender/bias']!]);
    if (!options.hidden) initDexFromRegression(model.getLayer('age'), weights['fc/age/weights']!, weights['fc/age/bias']!);
    tf.dispose(Object.values(weights));
  }
  const freeze = options.freeze ?? 'all';
  const frozenPrefixes = freeze === 'none' ? [] : freeze === 'all' ? [...FREEZE_ORDER] : FREEZE_ORDER.slice(0, FREEZE_ORDER.indexOf(freeze) + 1);
  for (const layer of model.layers) {
    if (frozenPrefixes.some((p) => layer.name.startsWith(`${p}/`))) layer.trainable = false;
  }
  return model;
}

registerModel('faceapi-xception', {
  description:
    "face-api.js's AgeGenderNet backbone (TinyXception, 112x112, 0.42 M params) initialised from its pretrained weights in node_modules, " +
    'frozen by default (options.freeze), with a new DEX age head (softmax over 0..100) and its gender head',
  preprocessing: FACE_API_AGE_PREPROCESSING,
  outputs: ['age', 'gender'],
  defaultTraining: { optimizer: 'adam', lr: 1e-3, batchSize: 32, epochs: 12, schedule: 'cosine', targets: 'gaussian', augment: true },
  build: (options) =>
    buildFaceApiAgeModel({
      pretrained: options.init !== 'random',
      freeze: (options.freeze as FaceApiAgeModelOptions['freeze']) ?? 'all',
      hidden: typeof options.hidden === 'number' ? options.hidden : 0,
      dropout: typeof options.dropout === 'number' ? options.dropout : 0,
    }),
});
