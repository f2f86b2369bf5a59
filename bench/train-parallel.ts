// Data-parallel training step for `npm run bench:train -- --data-parallel N`: N worker threads, each with its own
// TF.js wasm backend and an identical copy of the model (same seed). Each step every worker takes 1/N of the batch,
// computes its gradients and writes them to its SharedArrayBuffer; the main thread averages them into a shared
// buffer, and every worker applies the same averaged gradients with its own optimizer, so the trainable weights
// stay identical (checked by `check`). BatchNorm's moving statistics are per worker (each sees its own
// sub-batch): a trainer would average them before saving. A benchmark of the option, not yet wired into fit().
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { startWorker } from '../src/core/ts-worker.js';
import { benchOptimizer, syntheticBatch } from './synthetic-batch.js';

export interface ParallelJob {
  model: string;
  options?: Record<string, unknown>;
  /** The whole batch; each worker gets batch / workers. */
  batch: number;
  workers: number;
}

interface WorkerInit extends ParallelJob {
  index: number;
}

type ToWorker = { type: 'step' } | { type: 'apply' } | { type: 'checksum' };
type FromWorker =
  | { type: 'ready'; params: number; grads: SharedArrayBuffer }
  | { type: 'grads'; loss: number }
  | { type: 'applied' }
  | { type: 'checksum'; sum: number }
  | { type: 'error'; message: string };

export interface ParallelTrainer {
  params: number;
  /** One synchronous data-parallel step over the whole batch; resolves with the mean loss. */
  step(): Promise<number>;
  /** Sum of every trainable weight of each worker (equal when the copies agree). */
  checksums(): Promise<number[]>;
  dispose(): Promise<void>;
}

export async function startParallelTrainer(job: ParallelJob): Promise<ParallelTrainer> {
  if (job.batch % job.workers !== 0) throw new Error(`batch ${job.batch} does not split into ${job.workers} workers`);
  const workers = Array.from({ length: job.workers }, (_, index) =>
    startWorker(new URL('./train-parallel.js', import.meta.url), { workerData: { ...job, index } satisfies WorkerInit }),
  );
  const next = (w: number) =>
    new Promise<FromWorker>((resolve, reject) => {
      const worker = workers[w]!;
      const onMessage = (m: FromWorker) => {
        worker.off('error', onError);
        if (m.type === 'error') reject(new Error(`data-parallel worker ${w}: ${m.message}`));
        else resolve(m);
      };
      const onError = (err: Error) => {
        worker.off('message', onMessage);
        reject(err);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
    });
  const all = async (message: ToWorker | undefined) => {
    const replies = workers.map((_, w) => next(w));
    if (message) for (const worker of workers) worker.postMessage(message);
    return Promise.all(replies);
  };

  const ready = (await all(undefined)) as Extract<FromWorker, { type: 'ready' }>[];
  const params = ready[0]!.params;
  const grads = ready.map((r) => new Float32Array(r.grads));
  const average = new Float32Array(new SharedArrayBuffer(params * 4));
  for (const worker of workers) worker.postMessage({ type: 'average', buffer: average.buffer });

  return {
    params,
    async step() {
      const replies = (await all({ type: 'step' })) as Extract<FromWorker, { type: 'grads' }>[];
      const scale = 1 / workers.length;
      for (let i = 0; i < params; i++) {
        let sum = 0;
        for (const g of grads) sum += g[i]!;
        average[i] = sum * scale;
      }
      await all({ type: 'apply' });
      return replies.reduce((a, r) => a + r.loss, 0) * scale;
    },
    async checksums() {
      return ((await all({ type: 'checksum' })) as Extract<FromWorker, { type: 'checksum' }>[]).map((r) => r.sum);
    },
    async dispose() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

async function runWorker(): Promise<void> {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  const { initBackend, tf } = await import('../src/tf/backend.js');
  const { registerTrainingKernels } = await import('../src/train/kernels/index.js');
  const { createModelAsync, getModelEntry } = await import('../src/models/index.js');
  if ((await initBackend('wasm')) !== 'wasm') throw new Error('wasm backend did not initialise');
  registerTrainingKernels({ replace: true });
  const entry = getModelEntry(init.model);
  const model = await createModelAsync(init.model, { seed: 1, ...init.options });
  const size = entry.preprocessing.inputSize;
  const sub = init.batch / init.workers;
  // each worker's slice of a batch: its own inputs, labels spread as in bench/train.ts
  const { x, targets } = syntheticBatch(tf, model, size, sub, init.index * sub, 1 + init.index);
  const optimizer = benchOptimizer(tf, entry);
  const variables = model.trainableWeights.map((w) => (w as unknown as { val: Variable }).val);
  const offsets: number[] = [];
  let params = 0;
  for (const v of variables) {
    offsets.push(params);
    params += v.size;
  }
  const grads = new Float32Array(new SharedArrayBuffer(params * 4));
  let average: Float32Array | undefined;

  const step = (): number =>
    tf.tidy(() => {
      const { value, grads: g } = tf.variableGrads(() => {
        const outputs = model.apply(x, { training: true });
        const probs = Array.isArray(outputs) ? outputs : [outputs];
        const losses = probs.map((p, i) => tf.mean(tf.metrics.categoricalCrossentropy(targets[i]!, p as Tensor)));
        return tf.addN(losses) as Scalar;
      }, variables);
      variables.forEach((v, i) => grads.set(g[v.name]!.dataSync() as Float32Array, offsets[i]!));
      return value.dataSync()[0]!;
    });
  const apply = () =>
    tf.tidy(() => {
      optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(average!.subarray(offsets[i]!, offsets[i]! + v.size), v.shape) })));
    });

  port.on('message', (m: ToWorker | { type: 'average'; buffer: SharedArrayBuffer }) => {
    try {
      if (m.type === 'average') average = new Float32Array(m.buffer);
      else if (m.type === 'step') port.postMessage({ type: 'grads', loss: step() } satisfies FromWorker);
      else if (m.type === 'apply') {
        apply();
        port.postMessage({ type: 'applied' } satisfies FromWorker);
      } else if (m.type === 'checksum') {
        const sum = tf.tidy(() => tf.addN(variables.map((v) => tf.sum(v))).dataSync()[0]!);
        port.postMessage({ type: 'checksum', sum } satisfies FromWorker);
      }
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    }
  });
  port.postMessage({ type: 'ready', params, grads: grads.buffer as SharedArrayBuffer } satisfies FromWorker);
}

if (!isMainThread && (workerData as Partial<WorkerInit> | null)?.workers !== undefined) {
  runWorker().catch((err: unknown) => parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker));
}
