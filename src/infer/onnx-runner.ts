// Runs an exported age model: onnxruntime-node when it loads, else the TF.js model. The ModelRunner interface is
// all callers see, so a browser build can implement it with onnxruntime-web.
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { initBackend, tf } from '../tf/backend.js';
import { uniqueNames } from '../export/onnx.js';
import { checkInteger, invalid } from '../core/checks.js';
import { errorMessage, HowoldError, InputError } from '../core/errors.js';

export type Engine = 'onnxruntime-node' | 'onnxruntime-web' | 'tfjs';

export interface ModelRunner {
  readonly engine: Engine;
  /** Why a fallback engine is in use, when it is. */
  readonly note?: string;
  /** Height and width of the square input, pixels. */
  readonly inputSize: number;
  /** Input shape without the batch: [height, width, channels]. */
  readonly inputShape: readonly [number, number, number];
  /** Output names, in model order (the names of the TF.js output layers). */
  readonly outputNames: readonly string[];
  /** Runs a batch of NHWC float32 images (`batch * height * width * channels` values). */
  run(input: Float32Array, batch: number): Promise<Record<string, Float32Array>>;
  /** Releases the session or model; the runner is unusable afterwards. Safe to call twice. */
  dispose(): Promise<void>;
}

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

function imageShape(shape: readonly (number | string | null)[] | undefined, what: string): [number, number, number] {
  const dims = shape?.slice(1);
  if (!dims || dims.length !== 3 || dims.some((d) => typeof d !== 'number' || d <= 0) || dims[0] !== dims[1]) {
    throw new HowoldError('bad_model', `${what} input must be [batch, size, size, channels], got [${shape?.join(', ')}]`);
  }
  return dims as [number, number, number];
}

function checkBatch(input: Float32Array, batch: number, shape: readonly number[]): void {
  checkInteger(batch, 'batch', 1);
  if (!(input instanceof Float32Array)) throw invalid('a Float32Array', 'input', input);
  const expected = batch * shape[0] * shape[1] * shape[2];
  if (input.length !== expected) {
    throw invalid(`a Float32Array of ${expected} values (${batch} x ${shape.join(' x ')})`, 'input', `length ${input.length}`);
  }
}

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
  if (session.inputNames.length !== 1) {
    await session.release();
    throw new HowoldError('bad_model', `expected a model with one input, got ${session.inputNames.length}`);
  }
  const inputName = session.inputNames[0];
  const meta = session.inputMetadata[0];
  let inputShape: [number, number, number];
  try {
    inputShape = imageShape(meta?.isTensor ? meta.shape : undefined, 'ONNX model');
  } catch (err) {
    await session.release();
    throw err;
  }
  const outputNames = [...session.outputNames];
  let live: ort.InferenceSession | undefined = session;

  return {
    engine: 'onnxruntime-node',
    inputSize: inputShape[0],
    inputShape,
    outputNames,
    async run(input, batch) {
      checkBatch(input, batch, inputShape);
      if (!live) throw new HowoldError('disposed', 'the model runner has been disposed');
      const result = await live.run({ [inputName]: new runtime.Tensor('float32', input, [batch, ...inputShape]) });
      const out: Record<string, Float32Array> = {};
      for (const name of outputNames) out[name] = result[name].data as Float32Array;
      return out;
    },
    async dispose() {
      const s = live;
      live = undefined;
      await s?.release();
    },
  };
}

/** Runs a TF.js Layers model behind the same interface (outputs named after the output layers); owns the model. */
export function createTfjsRunner(model: tf.LayersModel, note?: string): ModelRunner {
  if (model.inputs.length !== 1) throw new HowoldError('bad_model', `expected a model with one input, got ${model.inputs.length}`);
  const inputShape = imageShape(model.inputs[0].shape, 'TF.js model');
  // named exactly as exportOnnx names its outputs, so both engines answer with the same keys
  const outputNames = uniqueNames(model.outputs.map((t) => t.sourceLayer.name), new Set());
  let live: tf.LayersModel | undefined = model;

  return {
    engine: 'tfjs',
    note,
    inputSize: inputShape[0],
    inputShape,
    outputNames,
    async run(input, batch) {
      checkBatch(input, batch, inputShape);
      if (!live) throw new HowoldError('disposed', 'the model runner has been disposed');
      const m = live;
      const outputs = tf.tidy(() => {
        const y = m.predict(tf.tensor4d(input, [batch, ...inputShape]));
        return Array.isArray(y) ? y : [y];
      });
      try {
        const data = await Promise.all(outputs.map((t) => t.data<'float32'>()));
        return Object.fromEntries(outputNames.map((name, i) => [name, data[i] as Float32Array]));
      } finally {
        outputs.forEach((t) => t.dispose());
      }
    },
    async dispose() {
      live?.dispose();
      live = undefined;
    },
  };
}
