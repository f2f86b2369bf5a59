// The one module in Node that loads onnxruntime, for the age model and the detector alike (after transformers.js's
// backends/onnx.js): onnxruntime-node where it is installed and loads (native, ~4x faster), else onnxruntime-web's
// WebAssembly build, whose .wasm files ship inside its npm package (nothing is downloaded, at install or run time).
// onnxruntime-node is an optional peer dependency: its postinstall downloads CUDA libraries on linux x64 and fails
// offline, and with it a consumer's node_modules grows by 288 MB (all platforms' binaries).
import { errorMessage, HowoldError } from '../core/errors.js';
import { ONNXRUNTIME_NODE_INSTALL } from '../core/optional.js';
import type { OrtRuntime, OrtSession } from '../core/ort.js';

export type OnnxRuntimeName = 'onnxruntime-node' | 'onnxruntime-web';

export interface OnnxBackend {
  readonly name: OnnxRuntimeName;
  readonly runtime: OrtRuntime;
  /** Why onnxruntime-web runs instead of onnxruntime-node, when it does, and how to get the fast one: one line. */
  readonly note?: string;
  /** Opens a session on ONNX bytes; `threads` is onnxruntime-node's intra-op thread count (the wasm build runs one). */
  openSession(bytes: Uint8Array, threads: number): Promise<OrtSession>;
}

interface OrtModule extends OrtRuntime {
  InferenceSession: { create(bytes: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  env: { wasm: { numThreads?: number } };
}

const loaded = new Map<string, Promise<OnnxBackend>>();

/**
 * The process's ONNX backend, loaded once. HOWOLD_ONNXRUNTIME=web picks the wasm build even where onnxruntime-node
 * is installed (tests compare the two); HOWOLD_DISABLE_ONNXRUNTIME=1 makes both unavailable (tests of the TF.js
 * fallback). Throws HowoldError 'engine_unavailable' when neither loads.
 */
export function loadOnnxBackend(): Promise<OnnxBackend> {
  const key = process.env.HOWOLD_DISABLE_ONNXRUNTIME ? 'none' : process.env.HOWOLD_ONNXRUNTIME === 'web' ? 'web' : 'auto';
  let backend = loaded.get(key);
  if (!backend) {
    backend = openBackend();
    loaded.set(key, backend);
    // a failed load is tried again next time
    backend.catch(() => loaded.delete(key));
  }
  return backend;
}

async function openBackend(): Promise<OnnxBackend> {
  if (process.env.HOWOLD_DISABLE_ONNXRUNTIME) {
    throw new HowoldError('engine_unavailable', 'onnxruntime disabled by HOWOLD_DISABLE_ONNXRUNTIME');
  }
  let why: string;
  let note: string;
  if (process.env.HOWOLD_ONNXRUNTIME === 'web') {
    why = 'onnxruntime-web chosen by HOWOLD_ONNXRUNTIME=web';
    note = `${why} (~4x slower than onnxruntime-node)`;
  } else {
    try {
      return nodeBackend(moduleOf(await import('onnxruntime-node' as string)));
    } catch (err) {
      why = `onnxruntime-node is not available (${notAvailable(err)})`;
      note = `${why}; running onnxruntime-web (wasm), ~4x slower; for full speed: ${ONNXRUNTIME_NODE_INSTALL}`;
    }
  }
  try {
    return webBackend(moduleOf(await import('onnxruntime-web' as string)), note);
  } catch (err) {
    throw new HowoldError('engine_unavailable', `onnxruntime cannot load: ${why}, and onnxruntime-web failed (${errorMessage(err)})`);
  }
}

function moduleOf(mod: unknown): OrtModule {
  const m = mod as OrtModule & { default?: OrtModule };
  return m.InferenceSession ? m : m.default!;
}

function notAvailable(err: unknown): string {
  return (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : errorMessage(err);
}

function nodeBackend(ort: OrtModule): OnnxBackend {
  return {
    name: 'onnxruntime-node',
    runtime: ort,
    openSession: (bytes, threads) =>
      ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      }),
  };
}

function webBackend(ort: OrtModule, note: string | undefined): OnnxBackend {
  // One wasm thread: the measured speed-up of two on this 2-core machine was small (design.md), and a server
  // gets its parallelism from worker processes.
  ort.env.wasm.numThreads = 1;
  // The wasm instance runs one inference at a time: concurrent run() calls (a batch job, a server worker) queue.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const next = queue.then(job, job);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    name: 'onnxruntime-web',
    runtime: ort,
    ...(note === undefined ? {} : { note }),
    async openSession(bytes) {
      const session = await serial(() => ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }));
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        ...(session.inputMetadata === undefined ? {} : { inputMetadata: session.inputMetadata }),
        run: (feeds) => serial(() => session.run(feeds)),
        release: () => serial(() => session.release()),
      };
    },
  };
}
