import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FaceBatch } from '../data/batch.js';
import { streamShards } from '../data/shards.js';
import { createModelAsync } from '../models/index.js';
import { tf } from '../tf/backend.js';
import { fit, type FitOptions } from './fit.js';
import { loadModel } from '../models/model-folder.js';
import { partSizes } from './parallel.js';
import type { StartOptions } from './config.js';
import { initTrainingBackend, resumeRun, startRun } from './run.js';
import { StopAt } from './testing.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const utkface = resolve(repoRoot, '../shared/datasets/utkface');
let root: string;
let shards: string;
const quiet = { progress: false as const, log: () => {} };

async function batches(count: number, size: number): Promise<FaceBatch[]> {
  const out: FaceBatch[] = [];
  for await (const b of streamShards(shards, { split: 'train', batchSize: size, shuffle: false, limit: count * size })) out.push(b);
  return out;
}

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((w, i) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return max;
}

describe('data-parallel training (workers)', () => {
  before(async () => {
    await initTrainingBackend();
    root = await mkdtemp(join(tmpdir(), 'howold-parallel-'));
    // every 200th UTKFace crop (~120 faces), prepared as a user would
    const faces = join(root, 'faces');
    await mkdir(faces);
    const files = (await readdir(utkface)).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 200 === 0);
    for (const f of files) await symlink(join(utkface, f), join(faces, f));
    shards = join(root, 'shards');
    await promisify(execFile)(process.execPath, [join(repoRoot, 'bin/howold.js'), 'data', 'prepare', faces, '--format', 'utkface', '--out', shards, '--size', '64'], { cwd: repoRoot });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('splits a batch into parts that differ by at most one face', () => {
    assert.deepEqual(partSizes(16, 2), [8, 8]);
    assert.deepEqual(partSizes(7, 2), [4, 3]);
    assert.deepEqual(partSizes(1, 3), [1, 0, 0]);
  });

  it('compact CNN: 2 workers give the weights of 1 worker on the same batches (BatchNorm on moving statistics)', async () => {
    const data = await batches(3, 16);
    assert.equal(data.length, 3);
    const options: FitOptions = { epochs: 1, batchSize: 16, preprocessing: { inputSize: 64, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], margin: 1.6, align: 'eyes' }, optimizer: 'sgd', lr: 0.05, momentum: 0, loss: 'dex', augment: false, seed: 2 };
    const trained: Float32Array[][] = [];
    let initial: Float32Array[] = [];
    for (const workers of [1, 2]) {
      const model = await createModelAsync('compact-cnn', { seed: 1 });
      // frozen BatchNorm runs on its moving statistics, so a face's gradient does not depend on the rest of its part
      for (const layer of model.layers) if (layer.getClassName() === 'BatchNormalization') layer.trainable = false;
      initial = await weightsOf(model);
      const history = await fit(model, async function* () { yield* data; }, { ...options, workers });
      assert.equal(history.history.loss!.length, 1);
      trained.push(await weightsOf(model));
      model.dispose();
    }
    // plain SGD: a difference in the gradients' rounding stays small in the weights (Adam divides it by the
    // gradients' own size, so a weight whose gradient is ~0 can move by a whole step either way). Small, not
    // tiny: over 3 steps a ReLU that flips on a rounding difference amplifies it, measured up to 3.4e-3 of the
    // largest update across runs (1e-4 failed 2 runs in 8); a wrong average (one part only, or not weighted by
    // its share) is off by the order of the update itself.
    const moved = maxDiff(initial, trained[0]!);
    const diff = maxDiff(trained[0]!, trained[1]!);
    assert.ok(moved > 1e-3, `training moved the weights by ${moved}`);
    assert.ok(diff < 2e-2 * moved, `1 vs 2 workers: max weight difference ${diff} (largest update ${moved})`);
  });

  it('distillation: 2 workers, each running the teacher on its own part, give the weights of 1 worker', async () => {
    const data = await batches(3, 16);
    const options: FitOptions = { epochs: 1, batchSize: 16, preprocessing: { inputSize: 64, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], margin: 1.6, align: 'eyes' }, optimizer: 'sgd', lr: 0.05, momentum: 0, loss: 'dex', augment: false, seed: 2 };
    // a teacher that reads every face as about 60: far from most labels, so a part trained without it moves elsewhere
    const teacher = tf.sequential({ layers: [tf.layers.globalAveragePooling2d({ inputShape: [64, 64, 3] }), tf.layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: tf.initializers.constant({ value: 60 }) })] });
    const trained: Float32Array[][] = [];
    for (const [workers, distill] of [[1, true], [2, true], [1, false]] as const) {
      const model = await createModelAsync('compact-cnn', { seed: 1 });
      for (const layer of model.layers) if (layer.getClassName() === 'BatchNormalization') layer.trainable = false;
      await fit(model, async function* () { yield* data; }, { ...options, workers, distill: distill ? { teacher, weight: 0.5 } : undefined });
      trained.push(await weightsOf(model));
      model.dispose();
    }
    teacher.dispose();
    const withTeacher = maxDiff(trained[0]!, trained[2]!);
    const diff = maxDiff(trained[0]!, trained[1]!);
    assert.ok(diff < 2e-2 * withTeacher, `1 vs 2 workers with the teacher: max weight difference ${diff} (the teacher itself moves them by ${withTeacher})`);
  });

  it('a run with --workers 2 stopped after a checkpoint resumes to the weights of an uninterrupted one', async () => {
    const run = (out: string): StartOptions => ({ data: shards, out, model: 'compact-cnn', epochs: 2, batchSize: 8, limit: 32, checkpointEvery: 3, patience: 0, monitorCount: 4, seed: 3, workers: 2 });
    const straight = join(root, 'straight');
    const killed = join(root, 'killed');
    await startRun(run(straight), quiet);
    await assert.rejects(startRun(run(killed), { ...quiet, callbacks: [new StopAt(4)] }), /stopped at step 4/);
    const resumed = await resumeRun(killed, {}, quiet);
    assert.deepEqual(resumed.resumedFrom, { epoch: 0, step: 3 });
    const a = await loadModel(join(straight, 'final'));
    const b = await loadModel(join(killed, 'final'));
    const diff = maxDiff(await weightsOf(a.model), await weightsOf(b.model));
    a.model.dispose();
    b.model.dispose();
    assert.ok(diff < 1e-6, `straight vs resumed: max weight difference ${diff}`);
  });
});
