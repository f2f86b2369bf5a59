// TF.js Layers model -> ONNX ModelProto. Walks the functional graph from the outputs back to the inputs, so layers
// are emitted in topological order; nested models are inlined. Inputs stay NHWC (what callers hold), are
// transposed once to NCHW, and every rank-4 tensor inside is NCHW (see graph.ts).
import * as tf from '@tensorflow/tfjs';
import { checkInteger, checkString, invalid, isPlainObject } from '../core/checks.js';
import { ExportError } from './errors.js';
import { attr, GraphBuilder, type Value } from './graph.js';
import { convertLayer, SUPPORTED_LAYERS, type Shape } from './layers.js';
import { DataType, encodeModel, type Dim, type ValueInfo } from './onnx-proto.js';
import { uniqueNames } from '../models/heads.js';

export { SUPPORTED_LAYERS };

export interface ExportOptions {
  /** Name of the graph input when the model has one input. Default 'input'. */
  inputName?: string;
  /** ai.onnx opset, 13..21. Default 17. */
  opset?: number;
  /** Extra metadata_props, added to the model's own user-defined metadata (stored as JSON strings). */
  metadata?: Record<string, string>;
}

export const DEFAULT_OPSET = 17;

function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function dims(shape: Shape, name: string): Dim[] {
  return shape.map((d, i) => d ?? (i === 0 ? 'batch' : `${name}_dim${i}`));
}

function emitModel(g: GraphBuilder, model: tf.LayersModel, inputs: Value[]): Value[] {
  const values = new Map<number, Value>();
  model.inputs.forEach((t, i) => values.set(t.id, inputs[i]));
  const resolve = (t: tf.SymbolicTensor): Value => {
    const known = values.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node) throw new ExportError('unsupported_model', `Layer '${layer.name}' has no inbound node ${t.nodeIndex}`);
    if (layer.getClassName() === 'InputLayer') {
      throw new ExportError('unsupported_model', `Input layer '${layer.name}' is not an input of model '${model.name}'`);
    }
    const ins = node.inputTensors.map(resolve);
    let outs: Value[];
    if (layer instanceof tf.LayersModel) {
      outs = emitModel(g, layer, ins);
    } else {
      outs = [
        convertLayer({
          g,
          layer,
          config: layer.getConfig() as Record<string, any>,
          inputs: ins,
          inShapes: node.inputTensors.map((s) => s.shape),
        }),
      ];
    }
    if (outs.length !== node.outputTensors.length) {
      throw new ExportError('unsupported_layer', `Layer '${layer.name}' has ${node.outputTensors.length} outputs`);
    }
    node.outputTensors.forEach((o, i) => values.set(o.id, outs[i]));
    return values.get(t.id)!;
  };
  return model.outputs.map(resolve);
}

function metadataProps(model: tf.LayersModel, extra: Record<string, string> | undefined): { key: string; value: string }[] {
  const props = new Map<string, string>();
  const own: unknown = model.getUserDefinedMetadata();
  if (isPlainObject(own)) {
    for (const [key, v] of Object.entries(own)) props.set(key, typeof v === 'string' ? v : JSON.stringify(v));
  }
  for (const [key, v] of Object.entries(extra ?? {})) props.set(key, String(v));
  return [...props].map(([key, value]) => ({ key, value }));
}

/**
 * Converts a TF.js Layers model to an ONNX model (bytes of a ModelProto). The graph takes float32 NHWC input
 * with a dynamic batch dimension ('batch') and has one output per model output, named after its layer.
 * Throws ExportError naming the layer for anything it cannot convert.
 */
export function exportOnnx(model: tf.LayersModel, options: ExportOptions = {}): Uint8Array {
  if (!(model instanceof tf.LayersModel)) throw invalid('a tf.LayersModel', 'model', model);
  if (!isPlainObject(options as unknown)) throw invalid('an object', 'options', options);
  const opset = checkInteger(options.opset ?? DEFAULT_OPSET, 'options.opset', 13, 21);
  if (options.inputName !== undefined) checkString(options.inputName, 'options.inputName');
  if (options.metadata !== undefined && !isPlainObject(options.metadata as unknown)) {
    throw invalid('an object of strings', 'options.metadata', options.metadata);
  }
  if (options.inputName !== undefined && model.inputs.length !== 1) {
    throw invalid('no inputName (the model has several inputs)', 'options.inputName', options.inputName);
  }

  const g = new GraphBuilder();
  const taken = new Set<string>();
  const inputNames =
    model.inputs.length === 1 ? [options.inputName ?? 'input'] : uniqueNames(model.inputs.map((t) => t.sourceLayer.name), taken);
  if (model.inputs.length === 1) taken.add(inputNames[0]);
  // Not model.outputNames: a Sequential model leaves it empty.
  const outputNames = uniqueNames(model.outputs.map((t) => t.sourceLayer.name), taken);
  for (const name of taken) g.reserve(name);

  const graphInputs: ValueInfo[] = model.inputs.map((t, i) => ({
    name: inputNames[i],
    elemType: DataType.FLOAT,
    shape: dims(t.shape, inputNames[i]),
  }));
  const inputs = model.inputs.map((t, i) => g.fromKeras(inputNames[i], t.rank, `${inputNames[i]}/nchw`));
  const results = emitModel(g, model, inputs);

  const produced = new Set(g.nodes.flatMap((n) => n.output));
  const renamed = new Map<string, string>();
  const graphOutputs: ValueInfo[] = results.map((v, i) => {
    const name = outputNames[i];
    if (v.rank === 4) {
      g.nodes.push({ name, opType: 'Transpose', input: [v.name], output: [name], attribute: [attr.ints('perm', [0, 2, 3, 1])] });
    } else if (produced.has(v.name) && !renamed.has(v.name)) {
      g.rename(v.name, name);
      renamed.set(v.name, name);
    } else {
      g.nodes.push({ name, opType: 'Identity', input: [renamed.get(v.name) ?? v.name], output: [name], attribute: [] });
    }
    return { name, elemType: DataType.FLOAT, shape: dims(model.outputs[i].shape, name) };
  });

  return encodeModel({
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'howold',
    producerVersion: `tfjs-layers ${tf.version_layers}`,
    graph: { name: model.name, node: g.nodes, initializer: g.initializers, input: graphInputs, output: graphOutputs },
    metadataProps: metadataProps(model, options.metadata),
  });
}

export { ExportError };
