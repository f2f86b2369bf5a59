// MaxPoolGrad for wasm, composed from broadcasting kernels. The shipped kernel is a scalar loop (~5x slower on a
// compact-CNN batch) and, in 4.22, wrong: a window whose values are all negative gets no gradient at all
// (see pool tests), which matters for pools that do not follow a ReLU.
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, pair } from './util.js';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type Shape4 = [number, number, number, number];

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
      const dx = tf.slice(dxPadded, [0, top, left, 0], [-1, keepH, keepW, -1]);
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
   * Overlapping windows (say 3x3 stride 2). With the input viewed as [B, blocks, stride, blocks, stride, C], the
   * values under window tap (u, v) are one phase (u mod stride) of a block-shifted grid (u div stride): plain
   * slices, kept to rank 4 because the wasm Slice of higher ranks is an element-by-element loop. Each tap's
   * gradient is shifted back by whole blocks and summed into its phase; the phases are interleaved by concat.
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
    const xb = tf.pad(x, [[0, 0], [0, hb * sh - x.shape[1]], [0, wb * sw - x.shape[2]], [0, 0]], LOWEST);
    const rows = new Map<number, tf.Tensor4D>();
    const rowsOf = (u: number) => {
      let r = rows.get(u);
      if (!r) {
        const byRow = tf.reshape(xb, [b, hb, sh, wb * sw * c]) as tf.Tensor4D;
        r = tf.reshape(tf.slice(byRow, [0, Math.floor(u / sh), u % sh, 0], [-1, oh, 1, -1]), [b * oh, wb, sw, c]);
        rows.set(u, r);
      }
      return r;
    };
    const keys: tf.Tensor4D[] = [];
    for (let u = 0; u < fh; u++) {
      for (let v = 0; v < fw; v++) {
        const view = tf.reshape(tf.slice(rowsOf(u), [0, Math.floor(v / sw), v % sw, 0], [-1, ow, 1, -1]), [b, oh, ow, c]);
        keys.push(tf.mul(isZero(tf.sub(y, view)), tf.scalar(fh * fw - keys.length)) as tf.Tensor4D);
      }
    }
    const keyMax = keys.reduce((m, k) => tf.maximum(m, k));
    const phases: (tf.Tensor4D | undefined)[] = new Array(sh * sw);
    keys.forEach((key, t) => {
      const u = Math.floor(t / fw);
      const v = t % fw;
      const [bu, bv] = [Math.floor(u / sh), Math.floor(v / sw)];
      const grad = tf.mul(isZero(tf.sub(keyMax, key)), dy) as tf.Tensor4D;
      const shifted = tf.pad(grad, [[0, 0], [bu, hb - oh - bu], [bv, wb - ow - bv], [0, 0]]);
      const phase = (u % sh) * sw + (v % sw);
      phases[phase] = phases[phase] === undefined ? shifted : tf.add(phases[phase]!, shifted);
    });
    const zeros = () => tf.fill([b, hb, wb, c], 0) as tf.Tensor4D;
    const phaseRows: tf.Tensor[] = [];
    for (let a = 0; a < sh; a++) {
      const cols = Array.from({ length: sw }, (_, bb) => tf.reshape(phases[a * sw + bb] ?? zeros(), [b, hb, 1, wb, 1, c]));
      phaseRows.push(sw === 1 ? cols[0]! : tf.concat(cols, 4));
    }
    const dx = tf.reshape(sh === 1 ? phaseRows[0]! : tf.concat(phaseRows, 2), [b, hb * sh, wb * sw, c]) as tf.Tensor4D;
    return tf.slice(dx, [0, 0, 0, 0], [-1, x.shape[1], x.shape[2], -1]);
  }
}
