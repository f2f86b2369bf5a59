// Runs an exported age model: onnxruntime-node when it loads, else the TF.js model. The ModelRunner interface is
// all callers see; ort-runner.ts wraps a session of either onnxruntime (the browser entry uses onnxruntime-web).
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { initBackend, tf } from '../tf/backend.js';
import { uniqueNames } from '../export/onnx.js';
import { checkInteger, invalid } from '../core/checks.js';
import { imageShape, modelRunner, ortModelRunner, type Engine, type ModelRunner } from './ort-runner.js';
import { errorMessage, HowoldError, InputError } from '../core/errors.js';

export type { Engine, ModelRunner };

export interface OnnxRunnerOptions {
  /**
   * onnxruntime intra-op threads. Default 1: on the shared 2-core machine (bench/onnx.ts) 2 threads were never
   * faster and up to 2.5x slower at batch 32; a server gets its parallelism from concurrent requests. On a quiet
   * machine 2 threads gave ~1.8x for a single stream (design.md).
   */
  intraOpNumThreads?: number;
  /**
   * Loads the TF.js model to run instead when onnxruntime-node cannot be loaded (or is switched off with the
   * environment variable HOWOLD_DISABLE_ONNXRUNTIME=1).
   */
  fallback?: () => Promise<tf.LayersModel>;
}

export const DEFAULT_INTRA_OP_THREADS = 1;

async function loadOrt(): Promise<typeof ort> {
  if (process.env.HOWOLD_DISABLE_ONNXRUNTIME) throw new Error('disabled by HOWOLD_DISABLE_ONNXRUNTIME');
  const mod = (await import('onnxruntime-node')) as typeof ort & { default?: typeof ort };
  return mod.InferenceSession ? mod : mod.default!;
}

/**
 * Opens an .onnx file (path) or ONNX bytes with onnxruntime-node. If onnxruntime-node cannot load and
 * `options.fallback` is given, returns a TF.js runner for the model it loads, with `note` saying why.
 */
export async function createOnnxRunner(model: string | Uint8Array, options: OnnxRunnerOptions = {}): Promise<ModelRunner> {
  const threads = checkInteger(options.intraOpNumThreads ?? DEFAULT_INTRA_OP_THREADS, 'options.intraOpNumThreads', 1, 64);
  let runtime: typeof ort;
  try {
    runtime = await loadOrt();
  } catch (err) {
    const reason = `onnxruntime-node cannot load (${errorMessage(err)})`;
    if (!options.fallback) throw new HowoldError('engine_unavailable', reason);
    await initBackend();
    return createTfjsRunner(await options.fallback(), `${reason}; running the TF.js model`);
  }

  let bytes: Uint8Array;
  if (typeof model === 'string') {
    try {
      bytes = await readFile(model);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'model_not_found' : 'bad_model';
      throw new InputError(code, code === 'model_not_found' ? 'ONNX model not found' : errorMessage(err), model);
    }
  } else if (model instanceof Uint8Array) {
    bytes = model;
  } else {
    throw invalid('a path or the bytes of an ONNX model', 'model', model);
  }

  let session: ort.InferenceSession;
  try {
    session = await runtime.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new InputError('bad_model', `not a usable ONNX model: ${errorMessage(err)}`, typeof model === 'string' ? model : undefined);
  }
  return ortModelRunner(runtime, session, 'onnxruntime-node');
}

/** Runs a TF.js Layers model behind the same interface (outputs named after the output layers); owns the model. */
export function createTfjsRunner(model: tf.LayersModel, note?: string): ModelRunner {
  if (model.inputs.length !== 1) throw new HowoldError('bad_model', `expected a model with one input, got ${model.inputs.length}`);
  const inputShape = imageShape(model.inputs[0].shape, 'TF.js model');
  // named exactly as exportOnnx names its outputs, so both engines answer with the same keys
  const outputNames = uniqueNames(model.outputs.map((t) => t.sourceLayer.name), new Set());
  return modelRunner({
    engine: 'tfjs',
    ...(note === undefined ? {} : { note }),
    inputShape,
    outputNames,
    async run(input, batch) {
      const outputs = tf.tidy(() => {
        const y = model.predict(tf.tensor4d(input, [batch, ...inputShape]));
        return Array.isArray(y) ? y : [y];
      });
      try {
        const data = await Promise.all(outputs.map((t) => t.data<'float32'>()));
        return Object.fromEntries(outputNames.map((name, i) => [name, data[i] as Float32Array]));
      } finally {
        outputs.forEach((t) => t.dispose());
      }
    },
    release: () => {
      model.dispose();
    },
  });
}
