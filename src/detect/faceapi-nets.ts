// face-api's three detection networks rebuilt as TF.js Layers models from its own weights in node_modules, so
// exportOnnx can turn them into the ONNX files of models/detector (scripts/build-detector-onnx.ts). Each graph
// follows face-api's source op for op (src/ssdMobilenetv1, src/faceFeatureExtractor + faceLandmarkNet,
// src/tinyYolov2 with TinyFaceDetector's config); what face-api does outside the convolutions (input
// preprocessing, box decoding, NMS, landmark scaling) is in faceapi-post.ts and preprocess.ts.
import { tf } from '../tf/backend.js';


type T = tf.SymbolicTensor;
/** SSD-MobileNetV1's input side in face-api (its anchors are laid out for it; detector.json's ssd.inputSize). */
export const SSD_INPUT_SIZE = 512;
/** face-api's SSD NMS threshold (SsdMobilenetv1.locateFaces; detector.json's ssd.iouThreshold). */
export const SSD_IOU_THRESHOLD = 0.5;
export { readFaceApiWeights, type FaceApiModelName } from '../core/face-api.js';


function take(weights: tf.NamedTensorMap, name: string): tf.Tensor {
  const w = weights[name];
  if (!w) throw new Error(`face-api weight '${name}' not found`);
  return w;
}

/** Applies a new layer and queues its weights, set once the model is built. */
class Builder {
  private readonly pending: Array<[tf.layers.Layer, tf.Tensor[]]> = [];
  constructor(readonly weights: tf.NamedTensorMap) {}

  apply(layer: tf.layers.Layer, x: T | T[], weightNames: string[] = []): T {
    const out = layer.apply(x) as T;
    if (weightNames.length > 0) this.pending.push([layer, weightNames.map((n) => take(this.weights, n))]);
    return out;
  }

  finish(model: tf.LayersModel): tf.LayersModel {
    for (const [layer, values] of this.pending) layer.setWeights(values);
    tf.dispose(Object.values(this.weights));
    return model;
  }
}

const relu6 = (name: string) => tf.layers.reLU({ maxValue: 6, name });

// ---------------------------------------------------------------------------------------------------------------
// SSD-MobileNetV1

/** face-api's BatchNorm epsilon in mobileNetV1.ts (0.001 as float32). */
const SSD_BN_EPSILON = 0.0010000000474974513;
/** Depthwise layers of MobileNetV1 with stride 2. */
const SSD_STRIDE2 = new Set([2, 4, 6, 12]);

export const SSD_ANCHOR_COUNT = 5118;

/** face-api's pointwiseConvLayer: conv (BatchNorm folded into the filters, its offset as bias), then relu6. */
function ssdPointwise(b: Builder, x: T, prefix: string, strides: number): T {
  const filters = take(b.weights, `${prefix}/weights`);
  const [k, , , out] = filters.shape;
  const y = b.apply(
    tf.layers.conv2d({ filters: out!, kernelSize: k!, strides, padding: 'same', useBias: true, name: prefix }),
    x,
    [`${prefix}/weights`, `${prefix}/convolution_bn_offset`],
  );
  return b.apply(relu6(`${prefix}/relu6`), y);
}

function ssdDepthwise(b: Builder, x: T, prefix: string, strides: number): T {
  let y = b.apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false, name: prefix }), x, [`${prefix}/depthwise_weights`]);
  y = b.apply(tf.layers.batchNormalization({ epsilon: SSD_BN_EPSILON, name: `${prefix}/BatchNorm` }), y, [
    `${prefix}/BatchNorm/gamma`,
    `${prefix}/BatchNorm/beta`,
    `${prefix}/BatchNorm/moving_mean`,
    `${prefix}/BatchNorm/moving_variance`,
  ]);
  return b.apply(relu6(`${prefix}/relu6`), y);
}

/**
 * SSD-MobileNetV1 up to its raw predictions: input [batch, 512, 512, 3] already scaled to -1..1; outputs
 * 'box_encodings' [batch, 5118, 4] (offsets against the anchors, see decodeSsd) and 'class_logits' [batch, 5118, 3]
 * (face-api keeps sigmoid(logit 1) as the face score).
 */
export function buildSsdMobilenetV1(weights: tf.NamedTensorMap): tf.LayersModel {
  const b = new Builder(weights);
  const input = tf.input({ shape: [SSD_INPUT_SIZE, SSD_INPUT_SIZE, 3], name: 'image' });
  let x = ssdPointwise(b, input, 'MobilenetV1/Conv2d_0_pointwise', 2);
  let conv11: T | undefined;
  for (let i = 1; i <= 13; i++) {
    x = ssdDepthwise(b, x, `MobilenetV1/Conv2d_${i}_depthwise`, SSD_STRIDE2.has(i) ? 2 : 1);
    x = ssdPointwise(b, x, `MobilenetV1/Conv2d_${i}_pointwise`, 1);
    if (i === 11) conv11 = x;
  }
  const extra: T[] = [];
  let p = x;
  for (let i = 0; i < 8; i++) {
    p = ssdPointwise(b, p, `Prediction/Conv2d_${i}_pointwise`, i % 2 === 1 ? 2 : 1);
    if (i % 2 === 1) extra.push(p);
  }
  // Feature maps in face-api's predictionLayer order: conv11, the backbone output, conv1, conv3, conv5, conv7.
  const maps = [conv11!, x, ...extra];
  const boxes: T[] = [];
  const classes: T[] = [];
  maps.forEach((map, i) => {
    const prefix = `Prediction/BoxPredictor_${i}`;
    for (const [kind, size, list] of [['BoxEncodingPredictor', 4, boxes], ['ClassPredictor', 3, classes]] as const) {
      const w = take(weights, `${prefix}/${kind}/weights`);
      const conv = b.apply(
        tf.layers.conv2d({ filters: w.shape[3]!, kernelSize: 1, padding: 'same', useBias: true, name: `${prefix}/${kind}` }),
        map,
        [`${prefix}/${kind}/weights`, `${prefix}/${kind}/biases`],
      );
      list.push(b.apply(tf.layers.reshape({ targetShape: [-1, size], name: `${prefix}/${kind}/reshape` }), conv));
    }
  });
  const boxEncodings = b.apply(tf.layers.concatenate({ axis: 1, name: 'box_encodings' }), boxes);
  const classLogits = b.apply(tf.layers.concatenate({ axis: 1, name: 'class_logits' }), classes);
  return b.finish(tf.model({ inputs: input, outputs: [boxEncodings, classLogits], name: 'ssd_mobilenetv1' }));
}

/** The SSD anchors face-api decodes against ('Output/extra_dim'): [5118 x (ymin, xmin, ymax, xmax)], 0..1. */
export function ssdAnchors(weights: tf.NamedTensorMap): Float32Array {
  const anchors = take(weights, 'Output/extra_dim');
  return Float32Array.from(anchors.dataSync());
}

// ---------------------------------------------------------------------------------------------------------------
// FaceLandmark68Net

export const LANDMARK_INPUT_SIZE = 112;

function separable(b: Builder, x: T, prefix: string, strides: number): T {
  const pointwise = take(b.weights, `${prefix}/pointwise_filter`);
  return b.apply(
    tf.layers.separableConv2d({ filters: pointwise.shape[3]!, kernelSize: 3, strides, padding: 'same', useBias: true, name: prefix }),
    x,
    [`${prefix}/depthwise_filter`, `${prefix}/pointwise_filter`, `${prefix}/bias`],
  );
}

/** face-api's denseBlock4: a strided conv, then three separable convs each fed the sum of everything before it. */
function denseBlock4(b: Builder, x: T, prefix: string, first: boolean): T {
  let conv0: T;
  if (first) {
    const filters = take(b.weights, `${prefix}/conv0/filters`);
    conv0 = b.apply(
      tf.layers.conv2d({ filters: filters.shape[3]!, kernelSize: 3, strides: 2, padding: 'same', useBias: true, name: `${prefix}/conv0` }),
      x,
      [`${prefix}/conv0/filters`, `${prefix}/conv0/bias`],
    );
  } else {
    conv0 = separable(b, x, `${prefix}/conv0`, 2);
  }
  const out1 = b.apply(tf.layers.reLU({ name: `${prefix}/relu0` }), conv0);
  const out2 = separable(b, out1, `${prefix}/conv1`, 1);
  const in3 = b.apply(tf.layers.reLU({ name: `${prefix}/relu1` }), b.apply(tf.layers.add({ name: `${prefix}/add1` }), [out1, out2]));
  const out3 = separable(b, in3, `${prefix}/conv2`, 1);
  const in4 = b.apply(tf.layers.reLU({ name: `${prefix}/relu2` }), b.apply(tf.layers.add({ name: `${prefix}/add2` }), [out1, out2, out3]));
  const out4 = separable(b, in4, `${prefix}/conv3`, 1);
  return b.apply(tf.layers.reLU({ name: `${prefix}/relu3` }), b.apply(tf.layers.add({ name: `${prefix}/add3` }), [out1, out2, out3, out4]));
}

/**
 * FaceLandmark68Net: input [batch, 112, 112, 3] as (pixel - mean) / 255 (LANDMARK_MEAN); output 'landmarks'
 * [batch, 136]: x0, y0, x1, y1, ... relative to the 112 px square (see landmarksFromOutput).
 */
export function buildFaceLandmark68Net(weights: tf.NamedTensorMap): tf.LayersModel {
  const b = new Builder(weights);
  const input = tf.input({ shape: [LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3], name: 'face' });
  let x: T = input;
  for (let i = 0; i < 4; i++) x = denseBlock4(b, x, `dense${i}`, i === 0);
  x = b.apply(tf.layers.averagePooling2d({ poolSize: 7, strides: 2, padding: 'valid', name: 'avg_pool' }), x);
  x = b.apply(tf.layers.flatten({ name: 'flatten' }), x);
  const out = b.apply(tf.layers.dense({ units: 136, name: 'landmarks' }), x, ['fc/weights', 'fc/bias']);
  return b.finish(tf.model({ inputs: input, outputs: out, name: 'face_landmark_68' }));
}

// ---------------------------------------------------------------------------------------------------------------
// TinyFaceDetector

/**
 * TinyFaceDetector (tiny-YOLOv2 with separable convs): input [batch, size, size, 3] as (pixel - mean) / 255
 * (TINY_MEAN), any size divisible by 32; output 'grid' [batch, cells, cells, 25]: 5 anchors x (x, y, w, h, score)
 * per cell (decodeTiny).
 */
export function buildTinyFaceDetector(weights: tf.NamedTensorMap): tf.LayersModel {
  const b = new Builder(weights);
  const input = tf.input({ shape: [null, null, 3], name: 'image' });
  const leaky = (x: T, name: string) => b.apply(tf.layers.leakyReLU({ alpha: 0.1, name }), x);
  const pool = (x: T, strides: number, name: string) => b.apply(tf.layers.maxPooling2d({ poolSize: 2, strides, padding: 'same', name }), x);
  // conv0 is a plain conv with 'valid' padding (runMobilenet with isFirstLayerConv2d).
  let x = b.apply(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'valid', useBias: true, name: 'conv0' }), input, ['conv0/filters', 'conv0/bias']);
  x = pool(leaky(x, 'conv0/leaky'), 2, 'pool0');
  for (let i = 1; i <= 5; i++) {
    // face-api pads by 1 and runs a 'valid' 3x3 separable conv: 'same' at stride 1.
    x = leaky(separable(b, x, `conv${i}`, 1), `conv${i}/leaky`);
    x = pool(x, i === 5 ? 1 : 2, `pool${i}`);
  }
  const grid = b.apply(tf.layers.conv2d({ filters: 25, kernelSize: 1, padding: 'valid', useBias: true, name: 'grid' }), x, ['conv8/filters', 'conv8/bias']);
  return b.finish(tf.model({ inputs: input, outputs: grid, name: 'tiny_face_detector' }));
}
