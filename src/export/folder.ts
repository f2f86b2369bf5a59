// A saved TF.js model folder to an ONNX file, checked against TF.js on random input before anything is written.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HowoldError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic.js';
import { seededRandom, uniform as uniformIn } from '../core/rng.js';
import { createOnnxRunner } from '../infer/onnx-runner.js';
import { createTfjsRunner } from '../infer/tfjs-runner.js';
import { initBackend, tf } from '../tf/backend.js';
import { DEFAULT_OPSET, exportOnnx } from './onnx.js';
import { loadLayersModelFromFolder, modelFolder } from '../models/model-folder.js';

/** Largest abs difference allowed between the ONNX export and TF.js. */
export const EXPORT_TOLERANCE = 1e-4;

export interface ExportFolderOptions {
  /** ONNX opset, 13..21. Default DEFAULT_OPSET. */
  opset?: number;
  /** Run the export on onnxruntime against TF.js on 4 random images first. Default true. */
  verify?: boolean;
}

export interface ExportFolderResult {
  file: string;
  bytes: number;
  opset: number;
  /** The model's input shape and its outputs (name and shape), null for the batch dimension. */
  input: (number | null)[];
  outputs: { name: string; shape: (number | null)[] }[];
  /** Largest abs difference against TF.js; undefined when not verified. */
  maxDifference?: number;
  /** Why the export was not verified, when it was not. */
  unverified?: string;
}

function uniform(length: number): Float32Array {
  const random = seededRandom(12345);
  return Float32Array.from({ length }, () => uniformIn(random, -1, 1));
}

/** Largest abs difference between onnxruntime and TF.js on a random batch; undefined if no onnxruntime loads. */
export async function exportDifference(model: tf.LayersModel, bytes: Uint8Array, batch: number): Promise<number | undefined> {
  let onnx;
  try {
    onnx = await createOnnxRunner(bytes, { intraOpNumThreads: 1 });
  } catch (err) {
    if (err instanceof HowoldError && err.code === 'engine_unavailable') return undefined;
    throw err;
  }
  try {
    // not disposed: it would dispose the model, which belongs to the caller
    const reference = createTfjsRunner(model);
    const input = uniform(batch * onnx.inputShape.reduce((a, b) => a * b, 1));
    const [got, want] = await Promise.all([onnx.run(input, batch), reference.run(input, batch)]);
    let worst = 0;
    for (const name of onnx.outputNames) {
      const expected = want[name];
      if (!expected) throw new HowoldError('export_failed', `ONNX output '${name}' has no TF.js counterpart`);
      got[name]!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
    }
    return worst;
  } finally {
    await onnx.dispose();
  }
}

async function readHowoldJson(folder: string): Promise<Record<string, string>> {
  try {
    return { howold: await readFile(join(folder, 'howold.json'), 'utf8') };
  } catch {
    return {};
  }
}

/** Exports the TF.js model in `model` (a folder or its model.json) to `out`; throws 'export_failed' past the tolerance. */
export async function exportModelFolder(model: string, out: string, options: ExportFolderOptions = {}): Promise<ExportFolderResult> {
  await initBackend();
  const opset = options.opset ?? DEFAULT_OPSET;
  const folder = modelFolder(model);
  const layers = await loadLayersModelFromFolder(folder);
  try {
    const bytes = exportOnnx(layers, { opset, metadata: await readHowoldJson(folder) });
    let check: Pick<ExportFolderResult, 'maxDifference' | 'unverified'> = { unverified: 'not asked to' };
    if (options.verify ?? true) {
      const diff = await exportDifference(layers, bytes, 4);
      if (diff === undefined) check = { unverified: 'no onnxruntime loads' };
      else if (!(diff <= EXPORT_TOLERANCE)) {
        throw new HowoldError('export_failed', `ONNX output differs from TF.js by ${diff.toExponential(2)} (> ${EXPORT_TOLERANCE}); nothing written`);
      } else check = { maxDifference: diff };
    }
    await writeFileAtomic(out, bytes);
    return {
      file: out,
      bytes: bytes.length,
      opset,
      input: layers.inputs[0]!.shape,
      outputs: layers.outputs.map((t) => ({ name: t.sourceLayer.name, shape: t.shape })),
      ...check,
    };
  } finally {
    layers.dispose();
  }
}
