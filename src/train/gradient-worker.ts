// A worker thread of parallel.ts: a copy of the model (and of distillation's teacher) on its own TF.js backend;
// each step it reads the current trainable weights, computes the gradients of its part of the batch into its
// shared buffer and replies with the part's metrics.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf } from '../tf/backend.js';
import '../models/index.js'; // registers the zoo's custom layers for deserialisation
import { patchLayersForFit } from './fit-layers.js';
import { registerTrainingKernels } from './kernels/index.js';
import { deserialise, type FromWorker, type ToWorker, type WorkerInit } from './parallel.js';
import { stepGradients } from './step.js';

async function main(): Promise<void> {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  if ((await initBackend()) === 'wasm') registerTrainingKernels();

  const model = await deserialise(init);
  const teacher = init.teacher ? { model: await deserialise(init.teacher), weight: init.teacher.weight, sigma: init.teacher.sigma } : undefined;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shapes = variables.map((v) => v.shape.join('x')).join(',');
  if (shapes !== init.trainable.map((s) => s.join('x')).join(',')) throw new Error(`model copy has trainable weights ${shapes}, expected ${init.trainable.map((s) => s.join('x')).join(',')}`);
  patchLayersForFit(model, init.spec);
  const offsets: number[] = [];
  let params = 0;
  for (const v of variables) {
    offsets.push(params);
    params += v.size;
  }
  const weights = new Float32Array(init.weights_);
  const grads = new Float32Array(init.grads);

  port.on('message', (m: ToWorker) => {
    try {
      const metrics = tf.tidy(() => {
        variables.forEach((v, i) => v.assign(tf.tensor(weights.subarray(offsets[i]!, offsets[i]! + v.size), v.shape)));
        const r = stepGradients(model, variables, m.batch, init.spec, m.seed, teacher);
        r.grads.forEach((g, i) => grads.set(g.dataSync() as Float32Array, offsets[i]!));
        return Array.from(r.metrics.dataSync());
      });
      port.postMessage({ type: 'grads', metrics } satisfies FromWorker);
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

main().catch((err: unknown) => parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker));
