// Conv2D gradients for the wasm backend, composed from its XNNPACK-backed Conv2D.
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, checkChannelsLast, convPadded, isChannelsLast, pair, zeroUpsample, type Shape4 } from './util.js';

type PadAttr = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/**
 * dW[i,j,ci,co] = sum over b,y,x of X[b, y*s+i-top, x*s+j-left, ci] * dY[b,y,x,co]: a convolution of X with
 * batch and channels swapped ([Cin,H,W,B]) by dY as the filter ([oh,ow,B,Cout]) dilated by the stride.
 */
export const conv2DBackpropFilter: tf.KernelFunc = ({ inputs, attrs }) => {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: PadAttr;
    dataFormat?: string;
    dimRoundingMode?: Rounding;
    filterShape: Shape4;
  };
  checkChannelsLast('Conv2DBackpropFilter', dataFormat);
  const x = asTensor<tf.Tensor4D>(inputs.x!);
  const dy = asTensor<tf.Tensor4D>(inputs.dy!);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
  const [fh, fw] = filterShape;
  const [sh, sw] = pair(strides);
  const { top, left } = info.padInfo;
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    // Padding the far side only as much as the last filter tap reaches; any excess rows are cropped.
    const bottom = (info.outHeight - 1) * sh + fh - info.inHeight - top;
    const right = (info.outWidth - 1) * sw + fw - info.inWidth - left;
    const out = convPadded(xT, dyT, { top, bottom, left, right }, [sh, sw], false);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
};

/**
 * dX is the transposed convolution: dY zero-upsampled by the stride, convolved (stride 1) with the filter rotated
 * 180 degrees and its in/out channels swapped, padded by (filter - 1 - forward padding).
 */
export function makeConv2DBackpropInput(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => (isChannelsLast(args.attrs?.dataFormat) ? conv2DBackpropInput(args) : shipped(args));
}

/**
 * The filter rotated 180 degrees in space, in/out channels swapped: [fh, fw, Cout, Cin]. Flat tap k goes to
 * fh*fw-1-k, which is a product with a (fh*fw)-square anti-diagonal permutation matrix (exact: each output is one
 * weight times 1 plus zeros). The wasm backend's Reverse, GatherV2 and Concat walk element by element: in a
 * one-off micro-benchmark Reverse took 15.6 ms on a 3x3x256x256 filter, this 4 ms (two transposes and a matMul).
 */
function rotate180(filter: tf.Tensor4D): tf.Tensor4D {
  const [fh, fw, cin, cout] = filter.shape;
  const taps = fh * fw;
  return tf.tidy(() => {
    const reversal = tf.tensor2d(Array.from({ length: taps * taps }, (_, i) => (Math.floor(i / taps) + (i % taps) === taps - 1 ? 1 : 0)), [taps, taps]);
    const byTap = tf.reshape(tf.transpose(filter, [2, 3, 0, 1]), [cin * cout, taps]);
    return tf.transpose(tf.reshape(tf.matMul(byTap, reversal), [cin, cout, fh, fw]), [2, 3, 1, 0]);
  });
}

const conv2DBackpropInput: tf.KernelFunc = ({ inputs, attrs }) => {
  const { strides, pad, dimRoundingMode, inputShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: PadAttr;
    dimRoundingMode?: Rounding;
    inputShape: Shape4;
  };
  const dy = asTensor<tf.Tensor4D>(inputs.dy!);
  const filter = asTensor<tf.Tensor4D>(inputs.filter!);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
  const [fh, fw] = filter.shape;
  const [sh, sw] = pair(strides);
  return tf.tidy(() => {
    const up = zeroUpsample(dy, sh, sw);
    const rotated = rotate180(filter);
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const bottom = info.inHeight + fh - 1 - up.shape[1] - top;
    const right = info.inWidth + fw - 1 - up.shape[2] - left;
    return convPadded(up, rotated, { top, bottom, left, right }, [1, 1], false);
  });
};
