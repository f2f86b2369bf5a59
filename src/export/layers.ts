// One converter per TF.js layer class: Keras semantics (NHWC) in, ONNX nodes (NCHW) out.
import type { layers, Tensor } from '@tensorflow/tfjs';
import { ExportError } from './errors.js';
import { attr, permute, storedAxis, type GraphBuilder, type Value } from './graph.js';
import type { AttributeProto } from './onnx-proto.js';

export type Shape = (number | null)[];

interface Weight {
  data: Float32Array;
  shape: number[];
}

export interface LayerCall {
  g: GraphBuilder;
  layer: layers.Layer;
  config: Record<string, any>;
  inputs: Value[];
  inShapes: Shape[];
}

type Converter = (call: LayerCall) => Value;

function fail(call: LayerCall, reason: string): never {
  throw new ExportError(
    'unsupported_layer',
    `Cannot export layer '${call.layer.name}' (${call.layer.getClassName()}) to ONNX: ${reason}`,
  );
}

function weightsOf(call: LayerCall): Map<string, Weight> {
  const { layer } = call;
  const values: Tensor[] = layer.getWeights();
  const map = new Map<string, Weight>();
  layer.weights.forEach((w, i) => {
    const key = (w.originalName ?? w.name).split('/').pop()!.replace(/_\d+$/, '');
    map.set(key, { data: Float32Array.from(values[i].dataSync()), shape: values[i].shape.slice() });
  });
  return map;
}

function weight(call: LayerCall, weights: Map<string, Weight>, key: string): Weight {
  const w = weights.get(key);
  if (!w) fail(call, `weight '${key}' not found (has ${[...weights.keys()].join(', ') || 'none'})`);
  return w;
}

function single(call: LayerCall): Value {
  if (call.inputs.length !== 1) fail(call, `expected one input, got ${call.inputs.length}`);
  return call.inputs[0];
}

function pair(value: unknown, fallback?: number): [number, number] {
  if (value == null && fallback !== undefined) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  if (Array.isArray(value) && value.length === 1) return [Number(value[0]), Number(value[0])];
  throw new Error(`expected one or two numbers, got ${JSON.stringify(value)}`);
}

function channelsLast(call: LayerCall): void {
  const format = call.config.dataFormat;
  if (format != null && format !== 'channelsLast') fail(call, `dataFormat '${format}' (only channelsLast)`);
}

function rank4(call: LayerCall, x: Value): void {
  if (x.rank !== 4) fail(call, `expected a rank-4 NHWC input, got rank ${x.rank}`);
}

/**
 * Explicit begin/end pads for TF's 'same': out = ceil(in / stride), the total padding split with the extra pixel
 * at the bottom/right, exactly as TF (and TF.js) do it.
 */
function padAttributes(
  call: LayerCall,
  inShape: Shape,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): AttributeProto[] {
  const padding = call.config.padding ?? 'valid';
  if (padding === 'valid') return [attr.ints('pads', [0, 0, 0, 0])];
  if (padding !== 'same') fail(call, `padding '${padding}'`);
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const size = inShape[1 + i];
    const extent = (kernel[i] - 1) * dilations[i] + 1;
    let total: number;
    if (size == null) {
      // Unknown spatial size: ONNX's SAME_UPPER is the same rule, evaluated at run time.
      if (strides[i] !== 1) return [attr.string('auto_pad', 'SAME_UPPER')];
      total = extent - 1;
    } else {
      total = Math.max((Math.ceil(size / strides[i]) - 1) * strides[i] + extent - size, 0);
    }
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [attr.ints('pads', [...begin, ...end])];
}

function value(name: string, rank: number): Value {
  return { name, rank };
}

/** Name for the node before an activation: the layer's own name goes to the last node. */
function preActivation(call: LayerCall, op: string): string {
  const act = call.config.activation;
  return act == null || act === 'linear' ? call.layer.name : `${call.layer.name}/${op}`;
}

export function applyActivation(g: GraphBuilder, x: Value, name: string | null | undefined, hint: string): Value {
  const unary = (op: string, attributes: AttributeProto[] = []) => value(g.node(op, [x.name], hint, attributes), x.rank);
  switch (name ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return value(g.node('Clip', [x.name, g.scalar(0), g.scalar(6)], hint), x.rank);
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'elu':
      return unary('Elu', [attr.float('alpha', 1)]);
    case 'selu':
      return unary('Selu');
    case 'softplus':
      return unary('Softplus');
    case 'softsign':
      return unary('Softsign');
    case 'hardSigmoid':
      // TF.js: clip(0.2 x + 0.5, 0, 1)
      return unary('HardSigmoid', [attr.float('alpha', 0.2), attr.float('beta', 0.5)]);
    case 'softmax':
      return unary('Softmax', [attr.int('axis', storedAxis(-1, x.rank))]);
    case 'logSoftmax':
      return unary('LogSoftmax', [attr.int('axis', storedAxis(-1, x.rank))]);
    case 'swish': {
      const s = g.node('Sigmoid', [x.name], `${hint}/sigmoid`);
      return value(g.node('Mul', [x.name, s], hint), x.rank);
    }
    case 'mish': {
      const sp = g.node('Softplus', [x.name], `${hint}/softplus`);
      const t = g.node('Tanh', [sp], `${hint}/tanh`);
      return value(g.node('Mul', [x.name, t], hint), x.rank);
    }
    case 'gelu': {
      // x * 0.5 * (1 + erf(x / sqrt 2)), as TF.js computes it
      const d = g.node('Div', [x.name, g.scalar(Math.SQRT2)], `${hint}/div`);
      const e = g.node('Erf', [d], `${hint}/erf`);
      const a = g.node('Add', [e, g.scalar(1)], `${hint}/add`);
      const m = g.node('Mul', [a, g.scalar(0.5)], `${hint}/half`);
      return value(g.node('Mul', [x.name, m], hint), x.rank);
    }
    case 'gelu_new': {
      // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
      const x3 = g.node('Mul', [x.name, g.node('Mul', [x.name, x.name], `${hint}/x2`)], `${hint}/x3`);
      const inner = g.node('Add', [x.name, g.node('Mul', [x3, g.scalar(0.044715)], `${hint}/c`)], `${hint}/inner`);
      const t = g.node('Tanh', [g.node('Mul', [inner, g.scalar(Math.sqrt(2 / Math.PI))], `${hint}/scaled`)], `${hint}/tanh`);
      const a = g.node('Add', [t, g.scalar(1)], `${hint}/add`);
      const m = g.node('Mul', [a, g.scalar(0.5)], `${hint}/half`);
      return value(g.node('Mul', [x.name, m], hint), x.rank);
    }
    default:
      throw new ExportError('unsupported_activation', `Cannot export activation '${name}' to ONNX`);
  }
}

function withActivation(call: LayerCall, y: Value): Value {
  try {
    return applyActivation(call.g, y, call.config.activation, call.layer.name);
  } catch (err) {
    if (err instanceof ExportError) fail(call, err.message);
    throw err;
  }
}

/** A per-channel constant (Keras last axis, or `axis`) shaped to broadcast against the stored tensor. */
function channelConstant(g: GraphBuilder, hint: string, data: ArrayLike<number>, rank: number, axis = -1): string {
  const stored = storedAxis(axis, rank);
  const dims = [data.length, ...new Array<number>(rank - 1 - stored).fill(1)];
  return g.float(hint, data, dims);
}

function conv2d(call: LayerCall): Value {
  const { g, config, layer } = call;
  const x = single(call);
  rank4(call, x);
  channelsLast(call);
  const w = weightsOf(call);
  const kernel = weight(call, w, 'kernel');
  const [kh, kw, cin, cout] = kernel.shape;
  const strides = pair(config.strides, 1);
  const dilations = pair(config.dilationRate, 1);
  const inputs = [x.name, g.float(`${layer.name}/kernel`, permute(kernel.data, kernel.shape, [3, 2, 0, 1]), [cout, cin, kh, kw])];
  if (config.useBias !== false) inputs.push(g.float(`${layer.name}/bias`, weight(call, w, 'bias').data, [cout]));
  const y = g.node('Conv', inputs, preActivation(call, 'conv'), [
    attr.ints('kernel_shape', [kh, kw]),
    attr.ints('strides', strides),
    attr.ints('dilations', dilations),
    attr.int('group', 1),
    ...padAttributes(call, call.inShapes[0], [kh, kw], strides, dilations),
  ]);
  return withActivation(call, value(y, 4));
}

/** Depthwise Conv (group = channels); the TF kernel [kh, kw, cin, m] becomes [cin * m, 1, kh, kw]. */
function depthwise(call: LayerCall, x: Value, kernel: Weight, bias: Weight | undefined, hint: string): string {
  const { g, config, layer } = call;
  const [kh, kw, cin, mult] = kernel.shape;
  const strides = pair(config.strides, 1);
  const dilations = pair(config.dilationRate, 1);
  const inputs = [
    x.name,
    g.float(`${layer.name}/depthwise_kernel`, permute(kernel.data, kernel.shape, [2, 3, 0, 1]), [cin * mult, 1, kh, kw]),
  ];
  if (bias) inputs.push(g.float(`${layer.name}/bias`, bias.data, [cin * mult]));
  return g.node('Conv', inputs, hint, [
    attr.ints('kernel_shape', [kh, kw]),
    attr.ints('strides', strides),
    attr.ints('dilations', dilations),
    attr.int('group', cin),
    ...padAttributes(call, call.inShapes[0], [kh, kw], strides, dilations),
  ]);
}

function depthwiseConv2d(call: LayerCall): Value {
  const x = single(call);
  rank4(call, x);
  channelsLast(call);
  const w = weightsOf(call);
  const bias = call.config.useBias !== false ? weight(call, w, 'bias') : undefined;
  const y = depthwise(call, x, weight(call, w, 'depthwise_kernel'), bias, preActivation(call, 'depthwise'));
  return withActivation(call, value(y, 4));
}

function separableConv2d(call: LayerCall): Value {
  const { g, config, layer } = call;
  const x = single(call);
  rank4(call, x);
  channelsLast(call);
  const w = weightsOf(call);
  const dw = depthwise(call, x, weight(call, w, 'depthwise_kernel'), undefined, `${layer.name}/depthwise`);
  const pk = weight(call, w, 'pointwise_kernel');
  const [, , cmid, cout] = pk.shape;
  const inputs = [dw, g.float(`${layer.name}/pointwise_kernel`, permute(pk.data, pk.shape, [3, 2, 0, 1]), [cout, cmid, 1, 1])];
  if (config.useBias !== false) inputs.push(g.float(`${layer.name}/bias`, weight(call, w, 'bias').data, [cout]));
  const y = g.node('Conv', inputs, preActivation(call, 'pointwise'), [
    attr.ints('kernel_shape', [1, 1]),
    attr.ints('strides', [1, 1]),
    attr.ints('pads', [0, 0, 0, 0]),
    attr.int('group', 1),
  ]);
  return withActivation(call, value(y, 4));
}

function dense(call: LayerCall): Value {
  const { g, config, layer } = call;
  const x = single(call);
  const w = weightsOf(call);
  const kernel = weight(call, w, 'kernel');
  const [units] = kernel.shape.slice(-1);
  const useBias = config.useBias !== false;
  const kernelName = g.float(`${layer.name}/kernel`, kernel.data, kernel.shape);
  const biasName = useBias ? g.float(`${layer.name}/bias`, weight(call, w, 'bias').data, [units]) : undefined;
  const hint = preActivation(call, 'dense');
  if (x.rank === 2) {
    const inputs = [x.name, kernelName];
    if (biasName) inputs.push(biasName);
    return withActivation(call, value(g.node('Gemm', inputs, hint), 2));
  }
  // Keras applies Dense to the last axis of any rank.
  const input = g.toKeras(x, `${layer.name}/nhwc`);
  let y = g.node('MatMul', [input, kernelName], biasName ? `${layer.name}/matmul` : `${hint}/keras`);
  if (biasName) y = g.node('Add', [y, biasName], `${hint}/keras`);
  return withActivation(call, g.fromKeras(y, x.rank, hint));
}

function batchNormalization(call: LayerCall): Value {
  const { g, config, layer } = call;
  const x = single(call);
  const w = weightsOf(call);
  const mean = weight(call, w, 'moving_mean').data;
  const variance = weight(call, w, 'moving_variance').data;
  const channels = mean.length;
  const gamma = config.scale !== false ? weight(call, w, 'gamma').data : new Float32Array(channels).fill(1);
  const beta = config.center !== false ? weight(call, w, 'beta').data : new Float32Array(channels);
  const epsilon = Number(config.epsilon ?? 1e-3);
  const axis = Array.isArray(config.axis) ? (config.axis.length === 1 ? config.axis[0] : NaN) : (config.axis ?? -1);
  // TF.js broadcasts BatchNorm parameters along the last axis whatever `axis` says (tf.batchNorm with [1, C, 1, 1]
  // parameters is wrong on the cpu and wasm backends alike), so only the last axis has one meaning to export.
  if (axis !== -1 && axis !== x.rank - 1) fail(call, `axis ${JSON.stringify(config.axis)} (only the last axis)`);
  const stored = storedAxis(axis, x.rank);
  if (stored === 1) {
    // ONNX BatchNormalization normalises axis 1; onnxruntime folds it into a preceding Conv.
    return value(
      g.node(
        'BatchNormalization',
        [
          x.name,
          g.float(`${layer.name}/gamma`, gamma, [channels]),
          g.float(`${layer.name}/beta`, beta, [channels]),
          g.float(`${layer.name}/moving_mean`, mean, [channels]),
          g.float(`${layer.name}/moving_variance`, variance, [channels]),
        ],
        layer.name,
        [attr.float('epsilon', epsilon)],
      ),
      x.rank,
    );
  }
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = gamma[c] / Math.sqrt(variance[c] + epsilon);
    scale[c] = s;
    shift[c] = beta[c] - mean[c] * s;
  }
  const m = g.node('Mul', [x.name, channelConstant(g, `${layer.name}/scale`, scale, x.rank, axis)], `${layer.name}/mul`);
  return value(g.node('Add', [m, channelConstant(g, `${layer.name}/shift`, shift, x.rank, axis)], layer.name), x.rank);
}

function pooling(op: 'MaxPool' | 'AveragePool'): Converter {
  return (call) => {
    const { g, config, layer } = call;
    const x = single(call);
    rank4(call, x);
    channelsLast(call);
    const size = pair(config.poolSize, 2);
    const strides = pair(config.strides ?? size);
    const attributes = [
      attr.ints('kernel_shape', size),
      attr.ints('strides', strides),
      ...padAttributes(call, call.inShapes[0], size, strides, [1, 1]),
    ];
    // TF averages over the window's pixels inside the image only.
    if (op === 'AveragePool') attributes.push(attr.int('count_include_pad', 0));
    return value(g.node(op, [x.name], layer.name, attributes), 4);
  };
}

function globalPooling(op: 'GlobalAveragePool' | 'GlobalMaxPool'): Converter {
  return (call) => {
    const { g, config, layer } = call;
    const x = single(call);
    rank4(call, x);
    channelsLast(call);
    if (config.keepDims) return value(g.node(op, [x.name], layer.name), 4);
    const pooled = g.node(op, [x.name], `${layer.name}/pool`);
    return value(g.node('Flatten', [pooled], layer.name, [attr.int('axis', 1)]), 2);
  };
}

function merge(op: 'Sum' | 'Mul' | 'Mean' | 'Max' | 'Min'): Converter {
  return (call) => {
    const { g, inputs, layer } = call;
    if (inputs.length < 2) fail(call, `expected at least two inputs, got ${inputs.length}`);
    if (inputs.some((v) => v.rank !== inputs[0].rank)) fail(call, 'inputs of different ranks');
    const rank = inputs[0].rank;
    if (op === 'Mul') {
      let acc = inputs[0].name;
      for (let i = 1; i < inputs.length; i++) {
        acc = g.node('Mul', [acc, inputs[i].name], i === inputs.length - 1 ? layer.name : `${layer.name}/mul`);
      }
      return value(acc, rank);
    }
    const names = inputs.map((v) => v.name);
    if (op === 'Sum' && names.length === 2) return value(g.node('Add', names, layer.name), rank);
    return value(g.node(op, names, layer.name), rank);
  };
}

function concatenate(call: LayerCall): Value {
  const { g, inputs, layer, config } = call;
  if (inputs.some((v) => v.rank !== inputs[0].rank)) fail(call, 'inputs of different ranks');
  const axis = storedAxis(Number(config.axis ?? -1), inputs[0].rank);
  return value(g.node('Concat', inputs.map((v) => v.name), layer.name, [attr.int('axis', axis)]), inputs[0].rank);
}

function flatten(call: LayerCall): Value {
  const { g, layer } = call;
  const x = single(call);
  channelsLast(call);
  if (x.rank <= 2) return x;
  // Keras flattens in NHWC order, so the NCHW tensor goes back to NHWC first.
  const input = g.toKeras(x, `${layer.name}/nhwc`);
  return value(g.node('Flatten', [input], layer.name, [attr.int('axis', 1)]), 2);
}

function reshape(call: LayerCall): Value {
  const { g, layer, config } = call;
  const x = single(call);
  // The config holds null where the layer was given -1.
  const target = (config.targetShape as (number | null)[]).map((d) => (d == null || d < 0 ? -1 : d));
  const input = g.toKeras(x, `${layer.name}/nhwc`);
  const rank = target.length + 1;
  // 0 copies the batch dimension from the input (allowzero = 0).
  const shape = g.int64(`${layer.name}/shape`, [0, ...target]);
  const y = g.node('Reshape', [input, shape], rank === 4 ? `${layer.name}/nhwc_out` : layer.name);
  return g.fromKeras(y, rank, layer.name);
}

function permuteLayer(call: LayerCall): Value {
  const { g, layer, config } = call;
  const x = single(call);
  const dims: number[] = (config.dims as number[]).map(Number);
  // Stored -> Keras -> permuted Keras -> stored, as one Transpose.
  const toKeras = x.rank === 4 ? [0, 2, 3, 1] : [...Array(x.rank).keys()];
  const kerasPerm = [0, ...dims];
  const toStored = x.rank === 4 ? [0, 3, 1, 2] : [...Array(x.rank).keys()];
  const perm = toStored.map((i) => toKeras[kerasPerm[i]]);
  return value(g.transpose(x.name, perm, layer.name), x.rank);
}

function identity(call: LayerCall): Value {
  return single(call);
}

function activationLayer(call: LayerCall): Value {
  return withActivation(call, single(call));
}

function reluLayer(call: LayerCall): Value {
  const { g, config, layer } = call;
  const x = single(call);
  if (config.maxValue == null) return value(g.node('Relu', [x.name], layer.name), x.rank);
  return value(g.node('Clip', [x.name, g.scalar(0), g.scalar(Number(config.maxValue))], layer.name), x.rank);
}

function leakyReluLayer(call: LayerCall): Value {
  const x = single(call);
  return value(call.g.node('LeakyRelu', [x.name], call.layer.name, [attr.float('alpha', Number(call.config.alpha ?? 0.3))]), x.rank);
}

function eluLayer(call: LayerCall): Value {
  const x = single(call);
  return value(call.g.node('Elu', [x.name], call.layer.name, [attr.float('alpha', Number(call.config.alpha ?? 1))]), x.rank);
}

function thresholdedReluLayer(call: LayerCall): Value {
  const x = single(call);
  const theta = Number(call.config.theta ?? 1);
  return value(call.g.node('ThresholdedRelu', [x.name], call.layer.name, [attr.float('alpha', theta)]), x.rank);
}

function softmaxLayer(call: LayerCall): Value {
  const x = single(call);
  let axis = call.config.axis ?? -1;
  if (Array.isArray(axis)) {
    if (axis.length !== 1) fail(call, `softmax over several axes ${JSON.stringify(axis)}`);
    axis = axis[0];
  }
  return value(call.g.node('Softmax', [x.name], call.layer.name, [attr.int('axis', storedAxis(Number(axis), x.rank))]), x.rank);
}

function preluLayer(call: LayerCall): Value {
  const { g, layer } = call;
  const x = single(call);
  const alpha = weight(call, weightsOf(call), 'alpha');
  let data: ArrayLike<number> = alpha.data;
  let dims = alpha.shape;
  if (x.rank === 4) {
    data = permute(alpha.data, alpha.shape, [2, 0, 1]);
    dims = [alpha.shape[2], alpha.shape[0], alpha.shape[1]];
  }
  return value(g.node('PRelu', [x.name, g.float(`${layer.name}/alpha`, data, dims)], layer.name), x.rank);
}

function rescaling(call: LayerCall): Value {
  const { g, layer, config } = call;
  const x = single(call);
  const constant = (v: unknown, hint: string): string =>
    Array.isArray(v) ? channelConstant(g, hint, v.map(Number), x.rank) : g.scalar(Number(v));
  const scale = config.scale ?? 1;
  const offset = config.offset ?? 0;
  const m = g.node('Mul', [x.name, constant(scale, `${layer.name}/scale`)], `${layer.name}/mul`);
  return value(g.node('Add', [m, constant(offset, `${layer.name}/offset`)], layer.name), x.rank);
}

function zeroPadding2d(call: LayerCall): Value {
  const { g, layer, config } = call;
  const x = single(call);
  rank4(call, x);
  channelsLast(call);
  const [[top, bottom], [left, right]] = paddingPairs(config.padding);
  const pads = g.int64(`${layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return value(g.node('Pad', [x.name, pads], layer.name, [attr.string('mode', 'constant')]), 4);
}

function cropping2d(call: LayerCall): Value {
  const { g, layer, config } = call;
  const x = single(call);
  rank4(call, x);
  channelsLast(call);
  const [[top, bottom], [left, right]] = paddingPairs(config.cropping);
  const shape = call.inShapes[0];
  const end = (size: number | null, crop: number) => (size != null ? size - crop : crop > 0 ? -crop : 2 ** 31 - 1);
  const starts = g.int64(`${layer.name}/starts`, [top, left]);
  const ends = g.int64(`${layer.name}/ends`, [end(shape[1], bottom), end(shape[2], right)]);
  const axes = g.int64(`${layer.name}/axes`, [2, 3]);
  return value(g.node('Slice', [x.name, starts, ends, axes], layer.name), 4);
}

function paddingPairs(padding: unknown): [[number, number], [number, number]] {
  if (typeof padding === 'number') return [[padding, padding], [padding, padding]];
  if (Array.isArray(padding) && padding.length === 2) {
    const [h, w] = padding.map((p) => pair(p));
    return [h, w];
  }
  throw new Error(`expected padding as a number or two pairs, got ${JSON.stringify(padding)}`);
}

function upSampling2d(call: LayerCall): Value {
  const { g, layer, config } = call;
  const x = single(call);
  rank4(call, x);
  channelsLast(call);
  const [sh, sw] = pair(config.size, 2);
  const interpolation = config.interpolation ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') fail(call, `interpolation '${interpolation}'`);
  const scales = g.float(`${layer.name}/scales`, [1, 1, sh, sw], [4]);
  // TF.js resizes with alignCorners = false and halfPixelCenters = false: 'asymmetric' in ONNX terms.
  return value(
    g.node('Resize', [x.name, '', scales], layer.name, [
      attr.string('mode', interpolation === 'nearest' ? 'nearest' : 'linear'),
      attr.string('coordinate_transformation_mode', 'asymmetric'),
      attr.string('nearest_mode', 'floor'),
    ]),
    4,
  );
}

const CONVERTERS: Record<string, Converter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Dense: dense,
  BatchNormalization: batchNormalization,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalPooling('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPooling('GlobalMaxPool'),
  Add: merge('Sum'),
  Multiply: merge('Mul'),
  Average: merge('Mean'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permuteLayer,
  Activation: activationLayer,
  ReLU: reluLayer,
  LeakyReLU: leakyReluLayer,
  ELU: eluLayer,
  ThresholdedReLU: thresholdedReluLayer,
  Softmax: softmaxLayer,
  PReLU: preluLayer,
  Rescaling: rescaling,
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
  UpSampling2D: upSampling2d,
  // Inference-time identities.
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
};

export const SUPPORTED_LAYERS: readonly string[] = ['InputLayer', ...Object.keys(CONVERTERS)].sort();

export function convertLayer(call: LayerCall): Value {
  const converter = CONVERTERS[call.layer.getClassName()];
  if (!converter) fail(call, `layer class not supported (supported: ${SUPPORTED_LAYERS.join(', ')})`);
  return converter(call);
}
