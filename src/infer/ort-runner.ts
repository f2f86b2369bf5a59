// An age model's ONNX session (onnxruntime-node or onnxruntime-web) behind the ModelRunner interface. No Node
// imports: the browser entry shares it.
import { checkInteger, invalid } from '../core/checks.js';
import { HowoldError } from '../core/errors.js';
import { runFloat32, type OrtRuntime, type OrtSession } from '../core/ort.js';

import type { Engine } from '../core/types.js';

export type { Engine };

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

export function imageShape(shape: readonly (number | string | null)[] | undefined, what: string): [number, number, number] {
  const dims = shape?.slice(1);
  if (!dims || dims.length !== 3 || dims.some((d) => typeof d !== 'number' || d <= 0) || dims[0] !== dims[1]) {
    throw new HowoldError('bad_model', `${what} input must be [batch, size, size, channels], got [${shape?.join(', ')}]`);
  }
  return dims as [number, number, number];
}

export function checkBatch(input: Float32Array, batch: number, shape: readonly number[]): void {
  checkInteger(batch, 'batch', 1);
  if (!(input instanceof Float32Array)) throw invalid('a Float32Array', 'input', input);
  const expected = batch * shape[0] * shape[1] * shape[2];
  if (input.length !== expected) {
    throw invalid(`a Float32Array of ${expected} values (${batch} x ${shape.join(' x ')})`, 'input', `length ${input.length}`);
  }
}

/** Wraps an open session of a one-input image model; releases it when the model is not usable. Owns the session. */
export async function ortModelRunner(runtime: OrtRuntime, session: OrtSession, engine: Engine, note?: string): Promise<ModelRunner> {
  if (session.inputNames.length !== 1) {
    await session.release();
    throw new HowoldError('bad_model', `expected a model with one input, got ${session.inputNames.length}`);
  }
  const inputName = session.inputNames[0]!;
  const meta = session.inputMetadata?.[0];
  let inputShape: [number, number, number];
  try {
    inputShape = imageShape(meta?.isTensor ? meta.shape : undefined, 'ONNX model');
  } catch (err) {
    await session.release();
    throw err;
  }
  return modelRunner({
    engine,
    ...(note === undefined ? {} : { note }),
    inputShape,
    outputNames: [...session.outputNames],
    run: (input, batch) => runFloat32(runtime, session, input, [batch, ...inputShape]),
    release: () => session.release(),
  });
}

/**
 * A ModelRunner around an engine's own `run`: checks each batch against the input shape, refuses to run after
 * dispose() and releases the engine's resources once.
 */
export function modelRunner(spec: {
  engine: Engine;
  note?: string;
  inputShape: [number, number, number];
  outputNames: string[];
  run: (input: Float32Array, batch: number) => Promise<Record<string, Float32Array>>;
  release: () => void | Promise<void>;
}): ModelRunner {
  const { inputShape } = spec;
  let disposed = false;
  return {
    engine: spec.engine,
    ...(spec.note === undefined ? {} : { note: spec.note }),
    inputSize: inputShape[0],
    inputShape,
    outputNames: spec.outputNames,
    async run(input, batch) {
      checkBatch(input, batch, inputShape);
      if (disposed) throw new HowoldError('disposed', 'the model runner has been disposed');
      return spec.run(input, batch);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await spec.release();
    },
  };
}
