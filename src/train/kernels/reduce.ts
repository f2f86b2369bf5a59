// Faster Sum / Mean / Tile for training on wasm. The shipped Sum and Mean transpose the reduced axes to the end
// before reducing, which dominates bias, BatchNorm and moment gradients (reductions over batch and space). An
// average pool over the reduced block reads the data once through XNNPACK and is ~10x faster; a ones-row matMul
// (the first idea) is only ~1.5x, as XNNPACK repacks its right operand on every call.
import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './util.js';

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** [before, reduced, after] sizes when `axes` form one contiguous block that is not innermost, else null. */
function contiguousBlock(shape: readonly number[], axes: number[]): [number, number, number] | null {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (last - first + 1 !== sorted.length || last === shape.length - 1) return null;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return [size(0, first), size(first, last + 1), size(last + 1, shape.length)];
}

function reducedShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Mean over the middle axis of a [before, n, after] view, as average pools. A block of several axes is pooled in
 * two stages (all but its first axis, then the first), which keeps each float32 accumulation short.
 */
function meanOfBlock(x: tf.Tensor, shape: readonly number[], axes: number[]): tf.Tensor {
  const sorted = [...axes].sort((a, b) => a - b);
  const first = sorted[0]!;
  const before = shape.slice(0, first).reduce((a, b) => a * b, 1);
  const after = shape.slice(sorted[sorted.length - 1]! + 1).reduce((a, b) => a * b, 1);
  const outer = shape[first]!;
  const inner = sorted.slice(1).reduce((a, i) => a * shape[i]!, 1);
  return tf.tidy(() => {
    let y = tf.reshape(x, [before * outer, inner, 1, after]) as tf.Tensor4D;
    if (inner > 1) y = tf.avgPool(y, [inner, 1], [inner, 1], 'valid');
    y = tf.reshape(y, [before, outer, 1, after]) as tf.Tensor4D;
    if (outer > 1) y = tf.avgPool(y, [outer, 1], [outer, 1], 'valid');
    return y;
  });
}

function reduceArgs(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined) {
  const { axis, keepDims } = attrs as unknown as ReduceAttrs;
  const x = inputs.x!;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const block = x.dtype === 'float32' && x.shape.length > 1 ? contiguousBlock(x.shape, axes) : null;
  return { x, axes, keepDims, block };
}

export function makeSum(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, axes, keepDims, block } = reduceArgs(args.inputs, args.attrs);
    if (block === null || tf.util.sizeFromShape(x.shape) === 0) return shipped(args);
    return tf.tidy(() => {
      const mean = meanOfBlock(asTensor(x), x.shape, axes);
      return tf.reshape(tf.mul(mean, tf.scalar(block[1])), reducedShape(x.shape, axes, keepDims));
    });
  };
}

export function makeMean(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, axes, keepDims, block } = reduceArgs(args.inputs, args.attrs);
    if (block === null || tf.util.sizeFromShape(x.shape) === 0) return shipped(args);
    return tf.tidy(() => tf.reshape(meanOfBlock(asTensor(x), x.shape, axes), reducedShape(x.shape, axes, keepDims)));
  };
}

/**
 * Tile where every tiled axis has size 1 is a broadcast (BatchNorm's gradient tiles its [1,1,1,C] scale over the
 * whole batch): a broadcasting add onto zeros, which the wasm backend does far faster than its Tile loop.
 */
export function makeTile(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    const { reps } = args.attrs as unknown as { reps: number[] };
    const isBroadcast = x.dtype === 'float32' && x.shape.every((d, i) => d === 1 || reps[i] === 1);
    if (!isBroadcast) return shipped(args);
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    return tf.tidy(() => tf.add(tf.fill(outShape, 0), asTensor(x)));
  };
}

/**
 * Identity that shares the input's data (one more reference) instead of copying it, as the cpu and webgl backends
 * do. The engine clones every tensor it saves for the backward pass, so the copies add up; tensor data is
 * immutable in TF.js (a Variable's assign swaps in new data), so sharing is safe.
 */
export function makeIdentity(shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return shipped(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
