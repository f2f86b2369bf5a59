import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { filterGradByConv, filterGradByTaps } from './depthwise.js';
import { ADDED_KERNELS, REPLACEABLE_KERNELS, registerTrainingKernels } from './index.js';
import { seededRandom } from '../../core/rng.js';

const TOLERANCE = 1e-4;

const rng = seededRandom;

function randomArray(size: number, next: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = next() * 2 - 1;
  return out;
}

/** max |a - b| / max |b|: the difference relative to the gradient's scale. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

type Arrays = { shape: number[]; data: Float32Array }[];

/** Gradients of sum(f(args) * weights) w.r.t. every arg, on one backend, as plain arrays. */
async function gradsOn(
  backend: string,
  inputs: Arrays,
  f: (...args: tf.Tensor[]) => tf.Tensor,
  seed: number,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const tensors = inputs.map(({ shape, data }) => tf.tensor(data, shape));
  // A random weighting of the output makes dy non-uniform, so every output position matters.
  const outShape = tf.tidy(() => f(...tensors).shape);
  const weights = tf.tensor(randomArray(outShape.reduce((x, y) => x * y, 1), rng(seed)), outShape);
  const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), weights)))(tensors);
  const values = grads.map((g) => g.dataSync() as Float32Array);
  tf.dispose([...grads, ...tensors, weights]);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return values;
}

async function checkAgainstCpu(
  label: string,
  inputShapes: number[][],
  f: (...args: tf.Tensor[]) => tf.Tensor,
  seed: number,
): Promise<number> {
  const next = rng(seed);
  const inputs = inputShapes.map((shape) => ({ shape, data: randomArray(shape.reduce((a, b) => a * b, 1), next) }));
  const expected = await gradsOn('cpu', inputs, f, seed + 1);
  const actual = await gradsOn('wasm', inputs, f, seed + 1);
  let worst = 0;
  actual.forEach((grad, i) => {
    const d = relativeDifference(grad, expected[i]!);
    worst = Math.max(worst, d);
    assert.ok(d <= TOLERANCE, `${label}: gradient ${i} differs from cpu by ${d.toExponential(2)}`);
  });
  return worst;
}

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strides: [number, number];
  pad: 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
}

function randomCases(count: number, seed: number, maxOut = 8): ConvCase[] {
  const next = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const filterHeight = pick([1, 2, 3, 3, 5]);
    const filterWidth = pick([filterHeight, filterHeight, 3]);
    const stride = pick([1, 2]);
    const strides: [number, number] = next() < 0.15 ? [1, 2] : [stride, stride];
    const padKind = pick(['same', 'valid', 'explicit'] as const);
    const pad: ConvCase['pad'] =
      padKind === 'explicit'
        ? [[0, 0], [pick([0, 1, 2]), pick([0, 1, 2])], [pick([0, 1, 2]), pick([0, 1, 2])], [0, 0]]
        : padKind;
    const c: ConvCase = {
      batch: pick([1, 2, 3, 5]),
      height: filterHeight + Math.floor(next() * 10),
      width: filterWidth + Math.floor(next() * 10),
      inChannels: 1 + Math.floor(next() * 8),
      outChannels: 1 + Math.floor(next() * maxOut),
      filterHeight,
      filterWidth,
      strides,
      pad,
    };
    cases.push(c);
  }
  return cases;
}

function describeCase(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad.slice(1, 3));
  return `x ${c.batch}x${c.height}x${c.width}x${c.inChannels} f ${c.filterHeight}x${c.filterWidth}->${c.outChannels} s ${c.strides} ${pad}`;
}

describe('wasm training kernels', () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerTrainingKernels();
  });

  it('registers the missing gradients and the replacements, idempotently', () => {
    const first = registerTrainingKernels();
    const second = registerTrainingKernels();
    assert.deepEqual(second, first);
    for (const name of [...ADDED_KERNELS, ...REPLACEABLE_KERNELS]) {
      assert.ok(tf.getKernel(name, 'wasm'), `${name} registered`);
    }
  });

  it('conv2d gradients (input and filter) match the cpu backend', async () => {
    let worst = 0;
    for (const [i, c] of randomCases(40, 11).entries()) {
      worst = Math.max(
        worst,
        await checkAgainstCpu(
          `conv2d ${describeCase(c)}`,
          [
            [c.batch, c.height, c.width, c.inChannels],
            [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels],
          ],
          (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
          100 + i,
        ),
      );
    }
    console.log(`conv2d: worst relative difference ${worst.toExponential(2)}`);
  });

  it('depthwiseConv2d gradients (input and filter, multiplier 1-2) match the cpu backend', async () => {
    let worst = 0;
    for (const [i, c] of randomCases(40, 23, 2).entries()) {
      const multiplier = c.outChannels;
      worst = Math.max(
        worst,
        await checkAgainstCpu(
          `depthwiseConv2d ${describeCase(c)}`,
          [
            [c.batch, c.height, c.width, c.inChannels],
            [c.filterHeight, c.filterWidth, c.inChannels, multiplier],
          ],
          (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
          200 + i,
        ),
      );
    }
    console.log(`depthwiseConv2d: worst relative difference ${worst.toExponential(2)}`);
  });

  it('both depthwise filter-gradient compositions match the cpu backend, small and large inputs', async () => {
    const next = rng(41);
    let worst = 0;
    for (let i = 0; i < 16; i++) {
      const size = i < 8 ? 5 + Math.floor(next() * 8) : 17 + Math.floor(next() * 8);
      const c: ConvCase = { ...randomCases(1, 900 + i, 2)[0]!, height: size, width: size + (i % 3) };
      const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
      const filterShape: [number, number, number, number] = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
      const xData = randomArray(xShape.reduce((a, b) => a * b, 1), next);
      await tf.setBackend('cpu');
      const dyShape = tf.tidy(() => tf.depthwiseConv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(filterShape) as tf.Tensor4D, c.strides, c.pad).shape);
      const dyData = randomArray(dyShape.reduce((a, b) => a * b, 1), next);
      const expected = tf.tidy(() => {
        const x = tf.tensor4d(xData, xShape);
        const dy = tf.tensor(dyData, dyShape) as tf.Tensor4D;
        const grad = tf.grad((f: tf.Tensor) => tf.depthwiseConv2d(x, f as tf.Tensor4D, c.strides, c.pad));
        return grad(tf.zeros(filterShape), dy).dataSync() as Float32Array;
      });
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, c.strides, 1, c.pad, undefined, true);
      for (const [name, f] of [['conv', filterGradByConv], ['taps', filterGradByTaps]] as const) {
        const actual = tf.tidy(() => f(tf.tensor4d(xData, xShape), tf.tensor(dyData, dyShape) as tf.Tensor4D, filterShape, info).dataSync() as Float32Array);
        const d = relativeDifference(actual, expected);
        worst = Math.max(worst, d);
        assert.ok(d <= TOLERANCE, `${name} ${describeCase(c)}: differs from cpu by ${d.toExponential(2)}`);
      }
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    }
    console.log(`depthwise filter gradient, both paths: worst relative difference ${worst.toExponential(2)}`);
  });

  it('separableConv2d gradients match the cpu backend', async () => {
    let worst = 0;
    for (const [i, c] of randomCases(15, 37).entries()) {
      const pad = typeof c.pad === 'string' ? c.pad : 'same';
      const strides: [number, number] = [c.strides[0], c.strides[0]];
      worst = Math.max(
        worst,
        await checkAgainstCpu(
          `separableConv2d ${describeCase(c)}`,
          [
            [c.batch, c.height, c.width, c.inChannels],
            [c.filterHeight, c.filterWidth, c.inChannels, 1],
            [1, 1, c.inChannels, c.outChannels],
          ],
          (x, dw, pw) =>
            tf.separableConv2d(x as tf.Tensor4D, dw as tf.Tensor4D, pw as tf.Tensor4D, strides, pad),
          300 + i,
        ),
      );
    }
    console.log(`separableConv2d: worst relative difference ${worst.toExponential(2)}`);
  });

  it('sum, mean and tile replacements match the cpu backend', async () => {
    const cases: [string, number[], (x: tf.Tensor) => tf.Tensor][] = [
      ['sum leading axes', [4, 5, 6, 7], (x) => tf.sum(x, [0, 1, 2])],
      ['sum leading axes keepDims', [4, 5, 6, 7], (x) => tf.sum(x, [0, 1], true)],
      ['sum middle axes', [3, 4, 5, 6], (x) => tf.sum(x, [1, 2])],
      ['sum inner axis', [3, 4, 5], (x) => tf.sum(x, -1)],
      ['sum all', [3, 4, 5], (x) => tf.sum(x)],
      ['sum scattered axes', [3, 4, 5, 6], (x) => tf.sum(x, [0, 2])],
      ['mean leading axes', [6, 5, 4, 3], (x) => tf.mean(x, [0, 1, 2])],
      ['mean middle axis keepDims', [6, 5, 4], (x) => tf.mean(x, 1, true)],
      ['moments', [8, 7, 6, 5], (x) => tf.moments(x, [0, 1, 2]).variance],
      ['tile broadcast', [1, 1, 1, 5], (x) => tf.tile(x, [3, 4, 2, 1])],
      ['tile repeat', [2, 3], (x) => tf.tile(x, [2, 3])],
    ];
    let worst = 0;
    for (const [i, [label, shape, f]] of cases.entries()) {
      worst = Math.max(worst, await checkAgainstCpu(label, [shape], f, 400 + i));
      // The forward values too, since the gradient of a sum does not exercise it.
      const data = randomArray(shape.reduce((a, b) => a * b, 1), rng(500 + i));
      const values: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        values.push(tf.tidy(() => f(tf.tensor(data, shape)).dataSync() as Float32Array));
      }
      const d = relativeDifference(values[1]!, values[0]!);
      assert.ok(d <= TOLERANCE, `${label}: forward differs by ${d}`);
      worst = Math.max(worst, d);
    }
    console.log(`sum/mean/tile: worst relative difference ${worst.toExponential(2)}`);
  });

  it('maxPool gradients match the cpu backend, ties included (first maximum wins)', async () => {
    const cases: [string, number[], (x: tf.Tensor) => tf.Tensor][] = [
      ['2x2/2 valid', [3, 8, 8, 5], (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')],
      ['2x2/2 valid, odd size', [2, 7, 9, 3], (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')],
      ['2x2/2 same, even size', [2, 6, 10, 4], (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same')],
      ['2x2/2 same, odd size', [2, 7, 7, 4], (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same')],
      ['3x3/3 valid', [2, 9, 10, 3], (x) => tf.maxPool(x as tf.Tensor4D, 3, 3, 'valid')],
      ['2x3/2x3 valid', [2, 8, 9, 3], (x) => tf.maxPool(x as tf.Tensor4D, [2, 3], [2, 3], 'valid')],
      ['3x3/2 same, overlapping', [2, 9, 9, 3], (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')],
      ['3x3/2 same, overlapping, even size', [2, 8, 10, 3], (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')],
      ['3x3/1 same', [2, 6, 7, 2], (x) => tf.maxPool(x as tf.Tensor4D, 3, 1, 'same')],
      ['3x2/2x1 valid', [1, 9, 8, 3], (x) => tf.maxPool(x as tf.Tensor4D, [3, 2], [2, 1], 'valid')],
      // all-negative windows: the shipped wasm kernel (4.22) gives them no gradient
      ['negative values', [2, 8, 8, 3], (x) => tf.maxPool(tf.sub(tf.abs(x), 2) as tf.Tensor4D, 2, 2, 'valid')],
      ['negative values, overlapping', [2, 9, 9, 3], (x) => tf.maxPool(tf.sub(tf.abs(x), 2) as tf.Tensor4D, 3, 2, 'same')],
      // relu then pool: whole windows of zeros, where the first position must take the gradient
      ['relu then 2x2/2', [4, 8, 8, 6], (x) => tf.maxPool(tf.relu(x) as tf.Tensor4D, 2, 2, 'valid')],
      // rounded inputs: ties between non-zero values too
      ['rounded values', [3, 6, 6, 4], (x) => tf.maxPool(tf.round(tf.mul(x, 2)) as tf.Tensor4D, 2, 2, 'valid')],
    ];
    let worst = 0;
    for (const [i, [label, shape, f]] of cases.entries()) {
      worst = Math.max(worst, await checkAgainstCpu(`maxPool ${label}`, [shape], f, 600 + i));
    }
    console.log(`maxPool: worst relative difference ${worst.toExponential(2)}`);
  });

  it('identity shares data and leaves the source intact', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    assert.deepEqual([...y.dataSync()], [1, 2, 3]);
    y.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('a whole small model: gradients of every weight match the cpu backend', async () => {
    const build = () => {
      const model = tf.sequential();
      model.add(tf.layers.conv2d({ inputShape: [15, 15, 3], filters: 6, kernelSize: 3, padding: 'same', useBias: false }));
      model.add(tf.layers.batchNormalization());
      model.add(tf.layers.reLU());
      model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 }));
      model.add(tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'valid', activation: 'relu' }));
      model.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.globalAveragePooling2d({}));
      model.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
      return model;
    };
    const next = rng(7);
    const xData = randomArray(4 * 15 * 15 * 3, next);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), 5).dataSync() as Float32Array);
    let weights: tf.Tensor[] | undefined;
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      tf.util.assert(tf.getBackend() === backend, () => 'backend switch failed');
      const before = tf.memory().numTensors;
      const model = build();
      if (weights === undefined) weights = model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape));
      else {
        const copies = weights.map((w) => tf.tensor(w.dataSync(), w.shape));
        model.setWeights(copies);
        tf.dispose(copies);
      }
      const x = tf.tensor4d(xData, [4, 15, 15, 3]);
      const y = tf.tensor2d(labels, [4, 5]);
      const variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        variables,
      );
      results.push(variables.map((v) => grads[v.name]!.dataSync() as Float32Array));
      tf.dispose([x, y, value, ...Object.values(grads)]);
      model.dispose();
      // The cpu pass runs first and warms tfjs-layers' caches; the wasm pass must leave nothing behind.
      if (backend === 'wasm') assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    }
    let worst = 0;
    results[1]!.forEach((grad, i) => {
      const d = relativeDifference(grad, results[0]![i]!);
      worst = Math.max(worst, d);
      assert.ok(d <= TOLERANCE, `weight ${i}: differs by ${d.toExponential(2)}`);
    });
    console.log(`whole model: worst relative difference ${worst.toExponential(2)}`);
    tf.dispose(weights);
  });
});
