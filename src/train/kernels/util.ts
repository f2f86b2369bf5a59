import * as tf from '@tensorflow/tfjs-core';

export type Shape4 = [number, number, number, number];

/**
 * Kernel inputs arrive as Tensors when ops call them through the engine, which is how these kernels are reached;
 * a bare TensorInfo (a backend calling a kernel directly) gets its own reference, so disposing the wrapper cannot
 * free the caller's data.
 */
export function asTensor<T extends tf.Tensor = tf.Tensor>(info: tf.TensorInfo): T {
  if (info instanceof tf.Tensor) return info as T;
  const engine = tf.engine();
  engine.backend.incRef(info.dataId);
  return engine.makeTensorFromTensorInfo(info) as T;
}

export function pair(value: number | number[] | undefined, fallback = 1): [number, number] {
  if (value === undefined) return [fallback, fallback];
  return typeof value === 'number' ? [value, value] : [value[0]!, value[1] ?? value[0]!];
}

export function isChannelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

export function checkChannelsLast(kernel: string, dataFormat: unknown): void {
  if (!isChannelsLast(dataFormat)) {
    throw new Error(`${kernel} on wasm supports only NHWC data, got dataFormat '${String(dataFormat)}'`);
  }
}

export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * A stride-1 convolution (plain or depthwise) with per-side padding that may be negative: the conv kernels take
 * only non-negative explicit padding, so negative sides are cropped from the input first.
 */
export function convPadded(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  pads: Pads,
  dilations: [number, number],
  depthwise: boolean,
): tf.Tensor4D {
  let input = x;
  const crop = {
    top: Math.max(0, -pads.top),
    bottom: Math.max(0, -pads.bottom),
    left: Math.max(0, -pads.left),
    right: Math.max(0, -pads.right),
  };
  if (crop.top + crop.bottom + crop.left + crop.right > 0) {
    const h = x.shape[1] - crop.top - crop.bottom;
    const w = x.shape[2] - crop.left - crop.right;
    input = tf.slice(x, [0, crop.top, crop.left, 0], [-1, h, w, -1]);
  }
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(0, pads.top), Math.max(0, pads.bottom)],
    [Math.max(0, pads.left), Math.max(0, pads.right)],
    [0, 0],
  ];
  const out = depthwise
    ? tf.depthwiseConv2d(input, filter, 1, pad, 'NHWC', dilations)
    : tf.conv2d(input, filter, 1, pad, 'NHWC', dilations);
  if (input !== x) input.dispose();
  return out;
}

/**
 * Inserts stride-1 zeros after each pixel of an NHWC tensor: [B, h, w, C] -> [B, h*sh, w*sw, C], which turns the
 * input gradient of a strided conv into a plain stride-1 conv. The trailing zero rows and columns are left on:
 * callers count them against their bottom/right padding, which usually saves a copy.
 */
export function zeroUpsample(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const spread = tf.reshape(x, [b, h, 1, w, 1, c]);
    const padded = tf.pad(spread, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    return tf.reshape(padded, [b, h * sh, w * sw, c]);
  });
}
