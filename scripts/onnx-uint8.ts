// Stores an ONNX model's float weights as uint8 in the affine format they came in (value = q * scale + min, one
// scale and min per tensor: face-api's weight files), behind Cast -> Mul -> Add -> Cast nodes that onnxruntime
// folds back into float initializers when it opens the session. A quarter of the size on disk, the same graph at
// run time. The arithmetic is done in float64 like tf.io.decodeWeights does it, so every value comes back bit for
// bit; a tensor no given (scale, min) reproduces exactly stays float: these networks turn 1-ulp weight changes
// into ~1e-3 output changes.
import { AttributeType, DataType, decodeModel, encodeModel, type ModelProto, type NodeProto, type TensorProto } from '../src/export/onnx-proto.js';

const UINT8 = 2;
const DOUBLE = 11;

export interface Quantization {
  /** Number of values of the tensor it was made for. */
  count: number;
  scale: number;
  min: number;
}

function floatsOf(raw: Uint8Array): Float32Array {
  // A copy: a decoded Buffer may start at any offset of its pool.
  const copy = new Uint8Array(raw);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

function scalarDouble(name: string, value: number): TensorProto {
  return { name, dims: [], dataType: DOUBLE, rawData: new Uint8Array(new Float64Array([value]).buffer) };
}

/** The uint8 levels of `values` under `q`, if they reproduce every value exactly; undefined otherwise. */
function levels(values: Float32Array, q: Quantization): Uint8Array | undefined {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const level = Math.round((values[i]! - q.min) / q.scale);
    if (level < 0 || level > 255 || Math.fround(level * q.scale + q.min) !== values[i]) return undefined;
    out[i] = level;
  }
  return out;
}

export interface Uint8Result {
  bytes: Uint8Array;
  /** Float tensors stored as uint8, and those left as float. */
  converted: number;
  kept: number;
}

/**
 * Rewrites the float initializers of an ONNX model (`bytes`) with at least `minValues` values that one of
 * `quantizations` reproduces exactly.
 */
export function storeWeightsAsUint8(bytes: Uint8Array, quantizations: Quantization[], minValues = 16): Uint8Result {
  const byCount = new Map<number, Quantization[]>();
  for (const q of quantizations) byCount.set(q.count, [...(byCount.get(q.count) ?? []), q]);
  const m = decodeModel(bytes);
  const g = m.graph;
  const initializers: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  let converted = 0;
  let kept = 0;
  for (const t of g.initializer as Array<{ name: string; dims: number[]; dataType: number; rawData: Uint8Array }>) {
    const plain: TensorProto = { name: t.name, dims: t.dims, dataType: t.dataType, rawData: t.rawData };
    if (t.dataType !== DataType.FLOAT || t.rawData.length / 4 < minValues) {
      initializers.push(plain);
      continue;
    }
    const values = floatsOf(t.rawData);
    let found: { q: Quantization; levels: Uint8Array } | undefined;
    for (const q of byCount.get(values.length) ?? []) {
      const l = levels(values, q);
      if (l) {
        found = { q, levels: l };
        break;
      }
    }
    if (!found) {
      kept += 1;
      initializers.push(plain);
      continue;
    }
    converted += 1;
    const base = t.name;
    initializers.push(
      { name: `${base}/uint8`, dims: t.dims, dataType: UINT8, rawData: found.levels },
      scalarDouble(`${base}/uint8_scale`, found.q.scale),
      scalarDouble(`${base}/uint8_min`, found.q.min),
    );
    const to = (type: number) => [{ name: 'to', type: AttributeType.INT, i: type }];
    nodes.push(
      { name: `${base}/levels`, opType: 'Cast', input: [`${base}/uint8`], output: [`${base}/levels`], attribute: to(DOUBLE) },
      { name: `${base}/scaled`, opType: 'Mul', input: [`${base}/levels`, `${base}/uint8_scale`], output: [`${base}/scaled`], attribute: [] },
      { name: `${base}/double`, opType: 'Add', input: [`${base}/scaled`, `${base}/uint8_min`], output: [`${base}/double`], attribute: [] },
      { name: `${base}/float`, opType: 'Cast', input: [`${base}/double`], output: [base], attribute: to(DataType.FLOAT) },
    );
  }
  const valueInfo = (v: any) => ({
    name: v.name as string,
    elemType: v.type.tensorType.elemType as number,
    shape: (v.type.tensorType.shape.dim as any[]).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : String(d.dimParam))),
  });
  const model: ModelProto = {
    irVersion: m.irVersion,
    opsetImport: m.opsetImport,
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    docString: m.docString,
    metadataProps: m.metadataProps ?? [],
    graph: {
      name: g.name,
      node: [...nodes, ...(g.node as NodeProto[])],
      initializer: initializers,
      input: g.input.map(valueInfo),
      output: g.output.map(valueInfo),
    },
  };
  return { bytes: encodeModel(model), converted, kept };
}
