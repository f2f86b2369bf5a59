// The trainer itself for `npm run bench:train -- --data-parallel N`: fit() as `howold train` runs it (the model entry's
// optimizer, DEX loss with Gaussian targets, augmentation, batch 32), on synthetic FaceBatches stored at 112 px like
// prepared shards, with `workers` threads sharing each batch (src/train/parallel.ts). The batches are made before
// the clock starts so that making them does not compete with training; the first two steps are warm-up.
import type { FaceBatch } from '../src/data/batch.js';
import { createModelAsync, getModelEntry } from '../src/models/index.js';
import { fit } from '../src/train/fit.js';
import { initTrainingBackend } from '../src/train/run.js';
import { AUGMENTATIONS } from '../src/train/tensors.js';
import { syntheticBatch } from '../src/train/testing.js';

export interface FitJob {
  model: string;
  batch: number;
  steps: number;
  workers: number;
  fusedBatchNorm: boolean;
}

const WARM_UP_STEPS = 2;
const STORED_SIZE = 112;

export async function measureFit(job: FitJob): Promise<{ msPerStep: number; params: number }> {
  if ((await initTrainingBackend()) !== 'wasm') throw new Error('wasm backend did not initialise');
  const entry = getModelEntry(job.model);
  const model = await createModelAsync(job.model, { seed: 1 });
  const batches: FaceBatch[] = Array.from({ length: WARM_UP_STEPS + job.steps }, (_, i) => syntheticBatch(job.batch, 100 + i, STORED_SIZE));
  const training = entry.defaultTraining ?? {};
  const ends: number[] = [];
  await fit(model, async function* () {
    yield* batches;
  }, {
    epochs: 1,
    batchSize: job.batch,
    preprocessing: entry.preprocessing,
    optimizer: training.optimizer ?? 'adam',
    lr: training.lr ?? 1e-3,
    momentum: training.momentum,
    nesterov: training.nesterov,
    loss: 'dex',
    targets: { kind: training.targets ?? 'gaussian' },
    augment: AUGMENTATIONS.default,
    workers: job.workers,
    fusedBatchNorm: job.fusedBatchNorm,
    callbacks: [{ onBatchEnd: () => void ends.push(performance.now()) }],
  });
  const timed = ends.slice(WARM_UP_STEPS - 1);
  return { msPerStep: (timed.at(-1)! - timed[0]!) / (timed.length - 1), params: model.countParams() };
}
