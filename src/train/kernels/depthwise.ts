// Depthwise conv gradients for the wasm backend (which ships none), composed from its DepthwiseConv2dNative.
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, convPadded, pair, zeroUpsample, type Shape4 } from './util.js';

type PadAttr = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

interface DepthwiseAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: PadAttr;
  dimRoundingMode?: Rounding;
}

function checkDilations(kernel: string, dilations: number | [number, number] | undefined): void {
  const [dh, dw] = pair(dilations);
  if (dh !== 1 || dw !== 1) throw new Error(`${kernel} on wasm supports dilation 1 only, got ${dh}x${dw}`);
}

/**
 * dW[i,j,c,m] = sum over b,y,x of X[b, y*s+i-top, x*s+j-left, c] * dY[b,y,x,c*M+m]. Two compositions, picked by
 * measurement (XNNPACK has no fast depthwise kernel as large as dY):
 * - filterGradByConv, for small dY at stride 1: with the batch folded into the channels (X as [1,H,W,B*C], dY as
 *   the filter [oh,ow,B*C,M]) one depthwise conv, whose [fh,fw,B,C,M] result is summed over B;
 * - filterGradByTaps, ~2x faster from 20x20 up and at stride 2: per filter tap, the input under that tap of
 *   every window (a depthwise conv with a one-hot filter) times dY, summed.
 */
export const depthwiseConv2dNativeBackpropFilter: tf.KernelFunc = ({ inputs, attrs }) => {
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseAttrs & {
    filterShape: Shape4;
  };
  checkDilations('DepthwiseConv2dNativeBackpropFilter', dilations);
  const x = asTensor<tf.Tensor4D>(inputs.x!);
  const dy = asTensor<tf.Tensor4D>(inputs.dy!);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, true);
  const [, oh, ow] = dy.shape;
  const byTaps = oh * ow > DEPTHWISE_FILTER_BY_TAPS_ABOVE || info.strideHeight > 1 || info.strideWidth > 1;
  return tf.tidy(() => (byTaps ? filterGradByTaps : filterGradByConv)(x, dy, filterShape, info));
};

/** dY's spatial size above which filterGradByTaps is the faster one at stride 1 (measured: 16x16 no, 20x20 yes). */
export const DEPTHWISE_FILTER_BY_TAPS_ABOVE = 16 * 16;

export function filterGradByConv(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, info: tf.backend_util.Conv2DInfo): tf.Tensor {
  const [fh, fw, c, m] = filterShape;
  const [b, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const xFolded = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, b * c]) as tf.Tensor4D;
  const dyFolded = tf.reshape(tf.transpose(tf.reshape(dy, [b, oh, ow, c * m]), [1, 2, 0, 3]), [oh, ow, b * c, m]) as tf.Tensor4D;
  const bottom = (oh - 1) * sh + fh - h - top;
  const right = (ow - 1) * sw + fw - w - left;
  const out = convPadded(xFolded, dyFolded, { top, bottom, left, right }, [sh, sw], true);
  const perBatch = tf.reshape(out, [fh, fw, b, c * m]);
  return tf.reshape(b === 1 ? perBatch : tf.sum(perBatch, 2), [fh, fw, c, m]);
}

export function filterGradByTaps(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Shape4, info: tf.backend_util.Conv2DInfo): tf.Tensor {
  const [fh, fw, c, m] = filterShape;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const taps: tf.Tensor[] = [];
  for (let t = 0; t < fh * fw; t++) {
    // A depthwise conv whose filter is 1 at tap t only: the input values under tap t of every window, aligned
    // with dY (and repeated over the channel multiplier), through XNNPACK's fast 3x3-sized kernels.
    const oneHot = new Float32Array(fh * fw * c * m);
    oneHot.fill(1, t * c * m, (t + 1) * c * m);
    const filter = tf.tensor4d(oneHot, [fh, fw, c, m]);
    const under = tf.depthwiseConv2d(x, filter, [sh, sw], pad);
    taps.push(tf.sum(tf.mul(under, dy), [0, 1, 2]));
  }
  return tf.reshape(tf.stack(taps), [fh, fw, c, m]);
}

/**
 * dX[b,h,w,c] = sum over m of the transposed depthwise conv of dY's channel c*M+m: dY zero-upsampled by the
 * stride, one depthwise conv with each channel's filter rotated 180 degrees, then the M multiplier channels summed.
 */
export const depthwiseConv2dNativeBackpropInput: tf.KernelFunc = ({ inputs, attrs }) => {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseAttrs & {
    inputShape: Shape4;
  };
  checkDilations('DepthwiseConv2dNativeBackpropInput', dilations);
  const dy = asTensor<tf.Tensor4D>(inputs.dy!);
  const filter = asTensor<tf.Tensor4D>(inputs.filter!);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, true);
  const [fh, fw, c, m] = filter.shape;
  const [b, h, w] = inputShape;
  const [sh, sw] = pair(strides);
  return tf.tidy(() => {
    const up = zeroUpsample(dy, sh, sw);
    const rotated = tf.reshape(tf.reverse(filter, [0, 1]), [fh, fw, c * m, 1]) as tf.Tensor4D;
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const bottom = h + fh - 1 - up.shape[1] - top;
    const right = w + fw - 1 - up.shape[2] - left;
    const out = convPadded(up, rotated, { top, bottom, left, right }, [1, 1], true);
    return m === 1 ? out : tf.sum(tf.reshape(out, [b, h, w, c, m]), 4);
  });
};
