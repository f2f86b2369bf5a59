import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { initBackend, tf } from '../tf/backend.js';
import { ExportError } from './errors.js';
import { exportOnnx, type ExportOptions } from './onnx.js';
import { decodeModel } from './onnx-proto.js';
import { ageGenderModel, compactCnn, randomArray, randomizeWeights, xceptionBlock } from './testing.js';

type T = tf.SymbolicTensor;
const TOLERANCE = 1e-4;
const measured: [string, number][] = [];

before(async () => {
  await initBackend();
});

after(() => {
  const worst = measured.reduce((m, [, d]) => Math.max(m, d), 0);
  console.log(`# max abs difference ONNX vs TF.js over ${measured.length} models: ${worst.toExponential(2)}`);
  for (const [name, d] of measured) console.log(`#   ${name}: ${d.toExponential(2)}`);
});

/** Exports, runs onnxruntime-node and TF.js on the same random input(s), returns the largest abs difference. */
async function maxDiff(model: tf.LayersModel, batch = 2, options?: ExportOptions, seed = 3): Promise<number> {
  const before = tf.memory().numTensors;
  const bytes = exportOnnx(model, options);
  assert.equal(tf.memory().numTensors, before, 'export leaks tensors');
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const shapes = model.inputs.map((t) => [batch, ...(t.shape.slice(1) as number[])]);
    const data = shapes.map((s, i) => randomArray(s.reduce((a, b) => a * b, 1), seed + i, -1, 1));
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, i) => (feeds[name] = new ort.Tensor('float32', data[i], shapes[i])));
    const result = await session.run(feeds);
    const expected = tf.tidy(() => {
      const out = model.predict(data.map((d, i) => tf.tensor(d, shapes[i])));
      return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, data: t.dataSync().slice() }));
    });
    assert.deepEqual(session.outputNames.length, expected.length);
    let worst = 0;
    session.outputNames.forEach((name, i) => {
      const got = result[name];
      assert.deepEqual(got.dims, expected[i].shape, `output '${name}' shape`);
      const values = got.data as Float32Array;
      for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j] - expected[i].data[j]));
    });
    return worst;
  } finally {
    await session.release();
  }
}

async function check(name: string, model: tf.LayersModel, batch = 2, options?: ExportOptions): Promise<void> {
  randomizeWeights(model, name.length);
  const d = await maxDiff(model, batch, options);
  measured.push([name, d]);
  assert.ok(d <= TOLERANCE, `${name}: max abs difference ${d}`);
}

/** A one-input model applying `layers` in sequence (arrays apply in parallel and feed the next as a list). */
function chain(inputShape: number[], ...layers: tf.layers.Layer[]): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x: T = input;
  for (const layer of layers) x = layer.apply(x) as T;
  return tf.model({ inputs: input, outputs: x });
}

describe('exportOnnx: convolutions', () => {
  for (const size of [8, 9]) {
    for (const padding of ['same', 'valid'] as const) {
      for (const strides of [1, 2]) {
        test(`Conv2D ${padding} stride ${strides} on ${size}x${size}`, async () => {
          await check(
            `conv ${padding} s${strides} ${size}`,
            chain([size, size, 3], tf.layers.conv2d({ filters: 5, kernelSize: 3, strides, padding })),
          );
        });
      }
    }
  }

  test('Conv2D: 4x4 kernel stride 2 same (padding 1 top/left, 2 bottom/right), 3x5 kernel, strides [2, 1]', async () => {
    await check('conv k4 s2 same', chain([10, 10, 3], tf.layers.conv2d({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' })));
    await check(
      'conv k3x5 s2x1',
      chain([11, 9, 2], tf.layers.conv2d({ filters: 3, kernelSize: [3, 5], strides: [2, 1], padding: 'same' })),
    );
  });

  test('Conv2D: dilation 2, no bias, fused activations', async () => {
    await check('conv dilation', chain([12, 12, 3], tf.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same' })));
    await check('conv no bias', chain([8, 8, 3], tf.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false })));
    for (const activation of ['relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'swish', 'softmax'] as const) {
      await check(`conv ${activation}`, chain([6, 6, 3], tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation })));
    }
  });

  test('DepthwiseConv2D (multiplier 1 and 2, stride 2 same) and SeparableConv2D', async () => {
    await check('depthwise m1', chain([9, 9, 4], tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' })));
    await check(
      'depthwise m2 s2',
      chain([10, 10, 3], tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'same', activation: 'relu6' })),
    );
    await check('separable', chain([9, 9, 4], tf.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same' })));
    await check(
      'separable m2 s2 relu',
      chain([10, 10, 3], tf.layers.separableConv2d({ filters: 5, kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'same', activation: 'relu' })),
    );
  });
});

describe('exportOnnx: normalisation, pooling, dense', () => {
  test('BatchNormalization after Conv2D and Dense, with and without center/scale', async () => {
    await check('bn conv', chain([6, 6, 3], tf.layers.conv2d({ filters: 4, kernelSize: 3 }), tf.layers.batchNormalization()));
    await check('bn dense', chain([5], tf.layers.dense({ units: 7 }), tf.layers.batchNormalization({ epsilon: 1e-5 })));
    await check('bn no center/scale', chain([6, 6, 3], tf.layers.batchNormalization({ center: false, scale: false })));
    await check('bn rank 3', chain([4, 6], tf.layers.batchNormalization()));
    assert.throws(() => exportOnnx(chain([4, 5, 3], tf.layers.batchNormalization({ axis: 1 }))), /only the last axis/);
  });

  for (const padding of ['same', 'valid'] as const) {
    test(`MaxPooling2D and AveragePooling2D ${padding} on odd sizes`, async () => {
      for (const [pool, strides] of [[2, 2], [3, 2], [3, 1]]) {
        await check(`maxpool ${padding} ${pool}/${strides}`, chain([7, 7, 3], tf.layers.maxPooling2d({ poolSize: pool, strides, padding })));
        await check(`avgpool ${padding} ${pool}/${strides}`, chain([7, 7, 3], tf.layers.averagePooling2d({ poolSize: pool, strides, padding })));
      }
    });
  }

  test('GlobalAveragePooling2D, GlobalMaxPooling2D, Dense with activations', async () => {
    await check('gap', chain([5, 5, 4], tf.layers.globalAveragePooling2d({})));
    await check('gmp', chain([5, 5, 4], tf.layers.globalMaxPooling2d({})));
    for (const activation of ['linear', 'softmax', 'sigmoid', 'softplus', 'softsign', 'hardSigmoid', 'mish', 'gelu', 'gelu_new', 'logSoftmax'] as const) {
      await check(`dense ${activation}`, chain([6], tf.layers.dense({ units: 5, activation: activation as 'linear' })));
    }
    await check('dense no bias', chain([6], tf.layers.dense({ units: 5, useBias: false })));
  });

  test('Dense and softmax on a rank-4 tensor apply to the channel axis', async () => {
    await check('dense rank 4', chain([3, 4, 5], tf.layers.dense({ units: 6, activation: 'softmax' })));
    await check('softmax layer rank 4', chain([3, 4, 5], tf.layers.softmax({ axis: -1 })));
    await check('dense rank 3', chain([4, 5], tf.layers.dense({ units: 3, activation: 'relu' })));
  });
});

describe('exportOnnx: shapes and merges', () => {
  test('Flatten and Reshape keep Keras NHWC order', async () => {
    await check('conv flatten dense', chain([5, 6, 3], tf.layers.conv2d({ filters: 4, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 3 })));
    await check('reshape 4 -> 2', chain([4, 4, 2], tf.layers.reshape({ targetShape: [32] })));
    await check('reshape 2 -> 4 -> conv', chain([48], tf.layers.reshape({ targetShape: [4, 4, 3] }), tf.layers.conv2d({ filters: 2, kernelSize: 3 })));
    await check('reshape 4 -> 3', chain([4, 4, 2], tf.layers.reshape({ targetShape: [16, -1] })));
    await check('permute', chain([3, 4, 5], tf.layers.permute({ dims: [2, 3, 1] }), tf.layers.conv2d({ filters: 2, kernelSize: 2 })));
  });

  test('Add, Multiply, Average, Maximum, Minimum, Concatenate (channel and height axes)', async () => {
    const input = tf.input({ shape: [6, 6, 3] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as T;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(input) as T;
    const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(input) as T;
    for (const [name, layer] of [
      ['add3', tf.layers.add()],
      ['multiply3', tf.layers.multiply()],
      ['average3', tf.layers.average()],
      ['maximum3', tf.layers.maximum()],
      ['minimum3', tf.layers.minimum()],
      ['concat channels', tf.layers.concatenate()],
      ['concat height', tf.layers.concatenate({ axis: 1 })],
    ] as const) {
      await check(name, tf.model({ inputs: input, outputs: layer.apply([a, b, c]) as T }));
    }
    await check('add2', tf.model({ inputs: input, outputs: tf.layers.add().apply([a, b]) as T }));
  });

  test('activation layers, ReLU maxValue, LeakyReLU, ELU, ThresholdedReLU, PReLU', async () => {
    await check('relu layer', chain([4, 4, 3], tf.layers.reLU()));
    await check('relu max 0.5', chain([4, 4, 3], tf.layers.reLU({ maxValue: 0.5 })));
    await check('leaky relu', chain([4, 4, 3], tf.layers.leakyReLU({ alpha: 0.1 })));
    await check('elu', chain([4, 4, 3], tf.layers.elu()));
    await check('thresholded relu', chain([7], tf.layers.thresholdedReLU({ theta: 0.2 })));
    await check('prelu rank 4', chain([4, 5, 3], tf.layers.prelu()));
    await check('prelu shared', chain([4, 5, 3], tf.layers.prelu({ sharedAxes: [1, 2] })));
    await check('softmax layer', chain([7], tf.layers.softmax()));
  });

  test('Rescaling, ZeroPadding2D, Cropping2D, UpSampling2D, Dropout', async () => {
    await check('rescaling', chain([4, 4, 3], tf.layers.rescaling({ scale: 1 / 127.5, offset: -1 })));
    await check('zero padding', chain([5, 5, 2], tf.layers.zeroPadding2d({ padding: [[0, 1], [2, 1]] }), tf.layers.conv2d({ filters: 2, kernelSize: 3 })));
    await check('cropping', chain([7, 8, 2], tf.layers.cropping2D({ cropping: [[1, 2], [0, 3]] })));
    await check('upsampling nearest', chain([3, 4, 2], tf.layers.upSampling2d({ size: [2, 3] })));
    await check('upsampling bilinear', chain([3, 4, 2], tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })));
    await check('dropout', chain([6], tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2 })));
  });
});

describe('exportOnnx: whole models', () => {
  test('compact CNN (5 x conv3x3 + BN + ReLU, GAP, Dense 101 softmax, 64x64): batch 1 and 3', async () => {
    const cnn = compactCnn();
    // The pooled features as a second output: the 101-way softmax of random weights is nearly flat.
    const model = tf.model({ inputs: cnn.inputs, outputs: [cnn.getLayer('gap').output as T, cnn.outputs[0]] });
    for (const batch of [1, 3]) {
      const d = await maxDiff(model, batch);
      measured.push([`compact CNN b${batch}`, d]);
      assert.ok(d <= TOLERANCE, `max abs difference ${d}`);
    }
  });

  test('Xception block: SeparableConv2D, max pool same stride 2, strided 1x1 shortcut, Add (odd size)', async () => {
    const d = await maxDiff(xceptionBlock(33));
    measured.push(['xception block 33', d]);
    assert.ok(d <= TOLERANCE, `max abs difference ${d}`);
    const even = await maxDiff(xceptionBlock(16, 8, 16));
    measured.push(['xception block 16', even]);
    assert.ok(even <= TOLERANCE, `max abs difference ${even}`);
  });

  test('multi-output: age and gender heads become two outputs named after their layers', async () => {
    const model = ageGenderModel();
    const proto = decodeModel(exportOnnx(model));
    assert.deepEqual(proto.graph.output.map((o: { name: string }) => o.name), ['age', 'gender']);
    const d = await maxDiff(model, 3);
    measured.push(['age + gender', d]);
    assert.ok(d <= TOLERANCE, `max abs difference ${d}`);
  });

  test('Sequential model, nested model, two-input model, a rank-4 output', async () => {
    const seq = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    await check('sequential', seq);

    const backboneIn = tf.input({ shape: [8, 8, 3] });
    const backbone = tf.model({
      inputs: backboneIn,
      outputs: tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(backboneIn) as T,
      name: 'backbone',
    });
    const input = tf.input({ shape: [8, 8, 3] });
    const features = backbone.apply(input) as T;
    const head = tf.layers.dense({ units: 2 }).apply(tf.layers.globalAveragePooling2d({}).apply(features) as T) as T;
    const nested = tf.model({ inputs: input, outputs: [head, features] });
    randomizeWeights(backbone, 2);
    await check('nested + rank-4 output', nested);

    const left = tf.input({ shape: [4], name: 'left' });
    const right = tf.input({ shape: [4], name: 'right' });
    const two = tf.model({ inputs: [left, right], outputs: tf.layers.concatenate().apply([left, right]) as T });
    assert.deepEqual(
      decodeModel(exportOnnx(two)).graph.input.map((i: { name: string }) => i.name),
      ['left', 'right'],
    );
    await check('two inputs', two);
  });

  test('graph: NHWC float input with a dynamic batch, opset and IR version, metadata, input name', async () => {
    const model = chain([6, 5, 3], tf.layers.conv2d({ filters: 2, kernelSize: 3 }), tf.layers.flatten());
    model.setUserDefinedMetadata({ preprocessing: { inputSize: 64 } });
    const proto = decodeModel(exportOnnx(model, { inputName: 'pixels', opset: 13, metadata: { card: 'x' } }));
    assert.equal(proto.irVersion, 8);
    assert.deepEqual(proto.opsetImport, [{ domain: '', version: 13 }]);
    const input = proto.graph.input[0];
    assert.equal(input.name, 'pixels');
    assert.equal(input.type.tensorType.elemType, 1);
    assert.deepEqual(input.type.tensorType.shape.dim, [{ dimParam: 'batch' }, { dimValue: 6 }, { dimValue: 5 }, { dimValue: 3 }]);
    assert.equal(proto.graph.node[0].opType, 'Transpose');
    assert.deepEqual(proto.metadataProps, [
      { key: 'preprocessing', value: '{"inputSize":64}' },
      { key: 'card', value: 'x' },
    ]);
    await check('opset 13', model, 2, { opset: 13 });
    await check('opset 21', model, 2, { opset: 21 });
  });

  test('unknown height and width: pads for stride 1, SAME_UPPER for stride 2 (odd and even sizes)', async () => {
    const model = chain(
      [null, null, 3] as unknown as number[],
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.globalAveragePooling2d({}),
    );
    randomizeWeights(model, 4);
    const session = await ort.InferenceSession.create(exportOnnx(model));
    try {
      for (const size of [9, 12]) {
        const data = randomArray(size * size * 3, size, -1, 1);
        const got = (await session.run({ input: new ort.Tensor('float32', data, [1, size, size, 3]) }))[session.outputNames[0]];
        const want = tf.tidy(() => (model.predict(tf.tensor(data, [1, size, size, 3])) as tf.Tensor).dataSync());
        const d = Math.max(...Array.from(got.data as Float32Array, (v, i) => Math.abs(v - want[i])));
        measured.push([`dynamic size ${size}`, d]);
        assert.ok(d <= TOLERANCE, `size ${size}: max abs difference ${d}`);
      }
    } finally {
      await session.release();
    }
  });

  test('an unsupported layer is a clear error naming it; bad options are argument errors', () => {
    const model = chain([4, 6], tf.layers.layerNormalization({ name: 'ln' }));
    assert.throws(
      () => exportOnnx(model),
      (err: unknown) =>
        err instanceof ExportError && err.code === 'unsupported_layer' && /'ln' \(LayerNormalization\)/.test(err.message),
    );
    const ok = chain([4], tf.layers.dense({ units: 1 }));
    assert.throws(() => exportOnnx(ok, { opset: 9 }), /Expected an integer between 13 and 21 for options.opset/);
    assert.throws(() => exportOnnx(ok, { inputName: '' }), /options.inputName/);
    assert.throws(() => exportOnnx({} as tf.LayersModel), /Expected a tf.LayersModel for model/);
  });
});
