// Runs an exported age model on the ONNX backend (backends/onnx.ts: onnxruntime-node, else onnxruntime-web's
// wasm), or, when neither loads, on a fallback the caller gives (the TF.js model, tfjs-runner.ts). The ModelRunner
// interface is all callers see; ort-runner.ts wraps a session of either onnxruntime.
import { readFile } from 'node:fs/promises';
import { loadOnnxBackend, type OnnxBackend } from '../backends/onnx.js';
import { checkInteger, invalid } from '../core/checks.js';
import { ortModelRunner, type Engine, type ModelRunner } from './ort-runner.js';
import { errorMessage, InputError } from '../core/errors.js';

export type { Engine, ModelRunner };

export interface OnnxRunnerOptions {
  /**
   * onnxruntime-node intra-op threads. Default 1: on the shared 2-core machine (bench/onnx.ts) 2 threads were never
   * faster and up to 2.5x slower at batch 32; a server gets its parallelism from concurrent requests. On a quiet
   * machine 2 threads gave ~1.8x for a single stream (design.md).
   */
  intraOpNumThreads?: number;
  /**
   * Opens the runner to use instead when no onnxruntime loads (or with HOWOLD_DISABLE_ONNXRUNTIME=1), given the
   * reason; without it that is an 'engine_unavailable' error.
   */
  fallback?: (reason: string) => Promise<ModelRunner>;
}

export const DEFAULT_INTRA_OP_THREADS = 1;

/** Opens an .onnx file (path) or ONNX bytes; see OnnxRunnerOptions for the fallback. */
export async function createOnnxRunner(model: string | Uint8Array, options: OnnxRunnerOptions = {}): Promise<ModelRunner> {
  const threads = checkInteger(options.intraOpNumThreads ?? DEFAULT_INTRA_OP_THREADS, 'options.intraOpNumThreads', 1, 64);
  let backend: OnnxBackend;
  try {
    backend = await loadOnnxBackend();
  } catch (err) {
    if (!options.fallback) throw err;
    return options.fallback(errorMessage(err));
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

  let session;
  try {
    session = await backend.openSession(bytes, threads);
  } catch (err) {
    throw new InputError('bad_model', `not a usable ONNX model: ${errorMessage(err)}`, typeof model === 'string' ? model : undefined);
  }
  return ortModelRunner(backend.runtime, session, backend.name, backend.note);
}
