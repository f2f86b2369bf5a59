// MaxPoolGrad for wasm, composed from broadcasting kernels. The shipped kernel is a scalar loop (~5x slower on a
// compact-CNN batch) and, in 4.22, wrong: a window whose values are all negative gets no gradient at all
// (see pool tests), which matters for pools that do not follow a ReLU.
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, pair, type Shape4 } from './util.js';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}


/** Padding that never wins a window: the lowest float32 (-Infinity would make max - pad NaN-prone: -inf - -inf). */
const LOWEST = -3.4028234663852886e38;

/** 1 where t == 0, else 0, for t >= 0: the wasm comparison kernels broadcast through a slow generic path. */
function isZero(t: tf.Tensor): tf.Tensor {
  return tf.sub(tf.scalar(1), tf.step(t));
}

/**
 * The gradient of each window goes to its first maximum in row-major order, as on the cpu backend and in
 * TensorFlow (ties are common after a ReLU). Each window position gets a key (fh*fw for the first, down to 1 for
 * the last) where it equals the window's max and 0 elsewhere; the window's largest key marks its first maximum.
 * Padding is the lowest float, so it never wins.
 */
export function makeMaxPoolGrad(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as PoolAttrs;
    const { dy, input, output } = args.inputs;
    if (input!.shape.length !== 4 || input!.dtype !== 'float32') return shipped(args);
    const [fh, fw] = pair(filterSize);
    const [sh, sw] = pair(strides);
    const info = tf.backend_util.computePool2DInfo(input!.shape as Shape4, [fh, fw], [sh, sw], 1, pad, dimRoundingMode);
    const { outHeight: oh, outWidth: ow } = info;
    const [b, h, w, c] = input!.shape as Shape4;
    const { top, left } = info.padInfo;
    return tf.tidy(() => {
      // Exactly the rows and columns the windows cover: -Infinity padding before, extra input rows cropped after.
      const hp = (oh - 1) * sh + fh;
      const wp = (ow - 1) * sw + fw;
      let x = asTensor<tf.Tensor4D>(input!);
      const keepH = Math.min(h, hp - top);
      const keepW = Math.min(w, wp - left);
      if (keepH < h || keepW < w) x = tf.slice(x, [0, 0, 0, 0], [-1, keepH, keepW, -1]);
      if (top > 0 || left > 0 || hp > top + keepH || wp > left + keepW) {
        x = tf.pad(x, [[0, 0], [top, hp - top - keepH], [left, wp - left - keepW], [0, 0]], LOWEST);
      }
      const y = asTensor<tf.Tensor4D>(output!);
      const g = asTensor<tf.Tensor4D>(dy!);
      const dxPadded = fh === sh && fw === sw ? disjointWindows(x, y, g, fh, fw) : overlappingWindows(x, y, g, fh, fw, sh, sw);
      const exact = top === 0 && left === 0 && dxPadded.shape[1] === keepH && dxPadded.shape[2] === keepW;
      const dx = exact ? dxPadded : tf.slice(dxPadded, [0, top, left, 0], [-1, keepH, keepW, -1]);
      return keepH === h && keepW === w ? dx : tf.pad(dx, [[0, 0], [0, h - keepH], [0, w - keepW], [0, 0]]);
    });
  };

  /** Non-overlapping windows (stride = size): one reshape exposes every window as two axes. */
  function disjointWindows(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, fh: number, fw: number): tf.Tensor4D {
    const [b, oh, ow, c] = y.shape;
    const x6 = tf.reshape(x, [b, oh, fh, ow, fw, c]);
    const y6 = tf.reshape(y, [b, oh, 1, ow, 1, c]);
    const order = new Float32Array(fh * fw).map((_, i) => fh * fw - i);
    const key = tf.mul(isZero(tf.sub(y6, x6)), tf.tensor(order, [1, 1, fh, 1, fw, 1]));
    const keyMax = tf.maxPool(tf.reshape(key, [b, oh * fh, ow * fw, c]) as tf.Tensor4D, [fh, fw], [fh, fw], 'valid');
    const first = isZero(tf.sub(tf.reshape(keyMax, [b, oh, 1, ow, 1, c]), key));
    const dx6 = tf.mul(first, tf.reshape(dy, [b, oh, 1, ow, 1, c]));
    return tf.reshape(dx6, [b, oh * fh, ow * fw, c]) as tf.Tensor4D;
  }

  /**
   * Overlapping windows (say 3x3 stride 2). The values under window tap (u, v) come from a depthwise conv whose
   * filter is 1 at that tap only (exact, and fast in XNNPACK; wasm's Slice copies its whole input first). Each
   * tap's gradient is then shifted back by whole strides into its phase (u mod stride, v mod stride), and the
   * phases are interleaved by concat: the result covers [hb*sh, wb*sw], at least the padded input.
   */
  function overlappingWindows(
    x: tf.Tensor4D,
    y: tf.Tensor4D,
    dy: tf.Tensor4D,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
  ): tf.Tensor4D {
    const [b, oh, ow, c] = y.shape;
    const hb = oh + Math.floor((fh - 1) / sh);
    const wb = ow + Math.floor((fw - 1) / sw);
    const taps = fh * fw;
    // Tap t of a window holding its max sets bit (taps-1-t) of the window's mask S (exact in float32 up to 24
    // taps); the first maximum is the highest bit set: tap t is it iff it is a max and S < 2^(taps-t). One AddN
    // replaces a chain of Maximum, which wasm runs through a slow generic path.
    const isMax: tf.Tensor4D[] = [];
    for (let t = 0; t < taps; t++) {
      const oneHot = new Float32Array(taps * c);
      oneHot.fill(1, t * c, (t + 1) * c);
      const view = tf.depthwiseConv2d(x, tf.tensor4d(oneHot, [fh, fw, c, 1]), [sh, sw], 'valid');
      isMax.push(tf.cast(tf.equal(y, view), 'float32') as tf.Tensor4D);
    }
    const firstMask = (t: number): tf.Tensor => {
      if (taps > 24) {
        // Too many bits for float32: the first maximum is the first tap that is a max and follows none.
        const before = t === 0 ? undefined : tf.addN(isMax.slice(0, t));
        return before === undefined ? isMax[0]! : tf.mul(isMax[t]!, tf.sub(tf.scalar(1), tf.step(before)));
      }
      return tf.mul(isMax[t]!, tf.step(tf.sub(tf.scalar(2 ** (taps - t)), mask)));
    };
    const mask = taps > 24 ? undefined! : tf.addN(isMax.map((m, t) => tf.mul(m, tf.scalar(2 ** (taps - 1 - t)))));
    const phases: tf.Tensor4D[][] = Array.from({ length: sh * sw }, () => []);
    for (let t = 0; t < taps; t++) {
      const u = Math.floor(t / fw);
      const v = t % fw;
      const [bu, bv] = [Math.floor(u / sh), Math.floor(v / sw)];
      const grad = tf.mul(firstMask(t), dy) as tf.Tensor4D;
      phases[(u % sh) * sw + (v % sw)]!.push(tf.pad(grad, [[0, 0], [bu, hb - oh - bu], [bv, wb - ow - bv], [0, 0]]));
    }
    // Interleave: phase (a, b) goes to rows a, a+sh, ... and columns b, b+sw, ... (pads of a rank-6 view, summed).
    const placed: tf.Tensor[] = [];
    phases.forEach((parts, p) => {
      if (parts.length === 0) return;
      const [a, bb] = [Math.floor(p / sw), p % sw];
      const sum = parts.length === 1 ? parts[0]! : tf.addN(parts);
      placed.push(tf.pad(tf.reshape(sum, [b, hb, 1, wb, 1, c]), [[0, 0], [0, 0], [a, sh - 1 - a], [0, 0], [bb, sw - 1 - bb], [0, 0]]));
    });
    return tf.reshape(placed.length === 1 ? placed[0]! : tf.addN(placed), [b, hb * sh, wb * sw, c]) as tf.Tensor4D;
  }
}
