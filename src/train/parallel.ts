// Data-parallel gradients on one machine: fit() with `workers: N` splits every batch into N parts; the main thread
// computes the first part's gradients and N-1 worker threads (each its own TF.js backend and a copy of the model)
// the others, at the same time. The gradients meet in SharedArrayBuffers and are averaged by each part's share of
// the faces, then fit() applies them with its one optimizer, so checkpoints, resume and callbacks see one model.
// Before each step the workers read the current trainable weights from a shared buffer.
// What differs from one worker: BatchNorm in training mode normalises each part by its own statistics (as
// PyTorch's DDP without SyncBatchNorm), and the model's moving statistics are updated from the first part only.
import type { FaceBatch } from '../data/batch.js';
import { mixSeed } from '../core/rng.js';
import { startWorker } from '../core/ts-worker.js';
import { tf } from '../tf/backend.js';
import { sliceBatch, STEP_METRICS, type StepSpec, type Teacher } from './step.js';

/** A model as it crosses to a worker thread: its topology and every weight's values. */
export interface SerialisedModel {
  topology: object;
  weights: { shape: number[]; dtype: string; values: Float32Array | Int32Array }[];
}

export interface WorkerInit extends SerialisedModel {
  /** Shapes of the trainable variables in order (checked against the worker's copy). */
  trainable: number[][];
  spec: StepSpec;
  /** Current trainable weights (written by the main thread before each step). */
  weights_: SharedArrayBuffer;
  /** This worker's gradients, in the same layout. */
  grads: SharedArrayBuffer;
  /** Distillation's teacher, run by every worker on its own part of the batch. */
  teacher?: SerialisedModel & Omit<Teacher, 'model'>;
}

function serialise(model: tf.LayersModel): SerialisedModel {
  return {
    topology: model.toJSON(null, false) as object,
    weights: model.getWeights().map((w) => ({ shape: w.shape, dtype: w.dtype, values: w.dataSync() as Float32Array | Int32Array })),
  };
}

/** A worker's copy of a serialised model (the zoo's custom layers must be registered). */
export async function deserialise(copy: SerialisedModel): Promise<tf.LayersModel> {
  const model = await tf.models.modelFromJSON({ modelTopology: copy.topology as tf.io.ModelJSON['modelTopology'] });
  model.setWeights(copy.weights.map((w) => tf.tensor(w.values, w.shape, w.dtype as tf.DataType)));
  return model;
}

export type ToWorker = { type: 'step'; batch: FaceBatch; seed: number };
export type FromWorker = { type: 'ready' } | { type: 'grads'; metrics: number[] } | { type: 'error'; message: string };

export interface GradientPool {
  /**
   * Gradients (in variable order) and metrics of a whole batch; `local` computes one part here (it runs inside
   * tf.tidy). The caller disposes the gradients.
   */
  gradients(
    batch: FaceBatch,
    seed: number,
    local: (part: FaceBatch, seed: number) => { grads: tf.Tensor[]; metrics: tf.Tensor1D },
  ): Promise<{ grads: tf.Tensor[]; metrics: number[] }>;
  dispose(): Promise<void>;
}

/** The seed of part k of a step's batch: part 0 keeps the step's seed, so one worker trains as before. */
export function partSeed(seed: number, part: number): number {
  return part === 0 ? seed : mixSeed(seed, part);
}

/** Sizes of `workers` contiguous parts of `count` faces (the first ones one larger when it does not divide). */
export function partSizes(count: number, workers: number): number[] {
  return Array.from({ length: workers }, (_, k) => Math.floor(count / workers) + (k < count % workers ? 1 : 0));
}

function request(worker: import('node:worker_threads').Worker, index: number, message?: ToWorker): Promise<FromWorker> {
  return new Promise<FromWorker>((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      worker.off('error', onError);
      if (m.type === 'error') reject(new Error(`training worker ${index}: ${m.message}`));
      else resolve(m);
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(new Error(`training worker ${index}: ${err.message}`));
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    if (message) worker.postMessage(message);
  });
}

export async function startGradientPool(model: tf.LayersModel, variables: tf.Variable[], workers: number, spec: StepSpec, teacher?: Teacher): Promise<GradientPool> {
  const offsets: number[] = [];
  let params = 0;
  for (const v of variables) {
    offsets.push(params);
    params += v.size;
  }
  const shared = new Float32Array(new SharedArrayBuffer(params * 4));
  const grads = Array.from({ length: workers - 1 }, () => new Float32Array(new SharedArrayBuffer(params * 4)));
  const student = serialise(model);
  const teacherCopy = teacher ? { ...serialise(teacher.model), weight: teacher.weight, sigma: teacher.sigma } : undefined;
  const threads = grads.map((g) =>
    startWorker(new URL('./gradient-worker.js', import.meta.url), {
      workerData: { ...student, trainable: variables.map((v) => v.shape), spec, weights_: shared.buffer, grads: g.buffer, teacher: teacherCopy } satisfies WorkerInit,
    }),
  );
  const stop = () => Promise.all(threads.map((t) => t.terminate())).then(() => undefined);
  try {
    await Promise.all(threads.map((t, i) => request(t, i + 1)));
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    async gradients(batch, seed, local) {
      variables.forEach((v, i) => shared.set(v.dataSync() as Float32Array, offsets[i]!));
      const sizes = partSizes(batch.count, workers);
      const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
      const replies = threads.map((t, i) =>
        sizes[i + 1]! > 0 ? request(t, i + 1, { type: 'step', batch: sliceBatch(batch, starts[i + 1]!, starts[i + 1]! + sizes[i + 1]!), seed: partSeed(seed, i + 1) }) : undefined,
      );
      // the main thread's part runs while the workers compute theirs
      const mine = tf.tidy(() => {
        const r = local(sliceBatch(batch, 0, sizes[0]!), seed);
        return { grads: r.grads.map((g) => tf.keep(g)), metrics: tf.keep(r.metrics) };
      });
      const metrics = Array.from(await mine.metrics.data());
      mine.metrics.dispose();
      const settled = await Promise.allSettled(replies);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) {
        tf.dispose(mine.grads);
        throw failed.reason;
      }
      const share = sizes.map((n) => n / batch.count);
      // means (total, age and gender loss) by share of faces; sums (|error|, gender counts) as they are
      const combined = metrics.map((m, j) => (j === 0 || j === 1 || j === 3 ? m * share[0]! : m));
      settled.forEach((s, i) => {
        const reply = s.status === 'fulfilled' ? (s.value as Extract<FromWorker, { type: 'grads' }> | undefined) : undefined;
        if (!reply) return;
        for (let j = 0; j < STEP_METRICS; j++) combined[j]! += j === 0 || j === 1 || j === 3 ? reply.metrics[j]! * share[i + 1]! : reply.metrics[j]!;
      });
      const averaged = tf.tidy(() =>
        variables.map((v, i) => {
          let g = tf.mul(mine.grads[i]!, share[0]!);
          grads.forEach((buffer, k) => {
            if (sizes[k + 1]! > 0) g = tf.add(g, tf.mul(tf.tensor(buffer.subarray(offsets[i]!, offsets[i]! + v.size), v.shape), share[k + 1]!));
          });
          return g;
        }),
      );
      tf.dispose(mine.grads);
      return { grads: averaged, metrics: combined };
    },
    dispose: stop,
  };
}
