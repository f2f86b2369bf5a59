// Builds the node list and initializers of an ONNX graph, with unique names.
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './onnx-proto.js';

/**
 * A tensor in the graph being built. `rank` is its Keras rank (batch included). Every rank-4 tensor is stored
 * NCHW (Keras holds it NHWC); tensors of any other rank are stored exactly as Keras holds them.
 */
export interface Value {
  name: string;
  rank: number;
}

export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({
    name,
    type: AttributeType.STRING,
    s: new TextEncoder().encode(s),
  }),
};

function floatBytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<number, string>();
  private readonly nhwc = new Map<string, string>();

  /** Claims a name as is (graph inputs and outputs); throws if taken. */
  reserve(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate ONNX tensor name '${name}'`);
    this.names.add(name);
    return name;
  }

  unique(hint: string): string {
    let name = hint;
    for (let i = 1; this.names.has(name); i++) name = `${hint}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  node(opType: string, inputs: string[], hint: string, attributes: AttributeProto[] = []): string {
    const output = this.unique(hint);
    this.nodes.push({ name: output, opType, input: inputs, output: [output], attribute: attributes });
    return output;
  }

  float(hint: string, data: ArrayLike<number>, dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`initializer '${hint}' has ${data.length} values for shape [${dims}]`);
    const name = this.unique(hint);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: floatBytes(data) });
    return name;
  }

  int64(hint: string, values: number[]): string {
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: int64Bytes(values) });
    return name;
  }

  /** A shared float32 scalar constant. */
  scalar(value: number): string {
    let name = this.scalars.get(value);
    if (name === undefined) {
      name = this.float(`const_${value}`, [value], []);
      this.scalars.set(value, name);
    }
    return name;
  }

  transpose(input: string, perm: number[], hint: string): string {
    return this.node('Transpose', [input], hint, [attr.ints('perm', perm)]);
  }

  /** The Keras-layout (NHWC) name of a value; one Transpose per rank-4 value however often it is asked for. */
  toKeras(value: Value, hint: string): string {
    if (value.rank !== 4) return value.name;
    let name = this.nhwc.get(value.name);
    if (name === undefined) {
      name = this.transpose(value.name, [0, 2, 3, 1], hint);
      this.nhwc.set(value.name, name);
    }
    return name;
  }

  /** Turns a tensor in Keras layout into a Value, transposing rank-4 ones to NCHW. */
  fromKeras(name: string, rank: number, hint: string): Value {
    if (rank !== 4) return { name, rank };
    return { name: this.transpose(name, [0, 3, 1, 2], hint), rank };
  }

  /** Replaces a tensor name everywhere in the graph (to give a graph output its final name). */
  rename(from: string, to: string): void {
    for (const node of this.nodes) {
      node.input = node.input.map((n) => (n === from ? to : n));
      node.output = node.output.map((n) => (n === from ? to : n));
    }
  }
}

/** The stored axis of a Keras axis (negative counts from the end) for a tensor of the given Keras rank. */
export function storedAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return rank === 4 ? [0, 2, 3, 1][a] : a;
}

/** Permutes a row-major array: output dimension i is input dimension perm[i]. */
export function permute(data: ArrayLike<number>, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i];
  }
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  const strideOfOut = perm.map((p) => inStrides[p]);
  for (let o = 0; o < out.length; o++) {
    let offset = 0;
    for (let i = 0; i < rank; i++) offset += index[i] * strideOfOut[i];
    out[o] = data[offset];
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i] < outShape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}
