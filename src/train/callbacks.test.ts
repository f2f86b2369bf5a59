import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { tf } from '../tf/backend.js';
import { readJsonl, replaceDir } from '../core/atomic.js';
import { EarlyStopping, JsonlLogger } from './callbacks/index.js';
import { ProgressBar } from '../cli/train-progress.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { fit } from './fit.js';
import { createOptimizer } from './optimizers.js';
import { initTrainingBackend } from './run.js';
import { syntheticData, tinyModel, TINY_PREPROCESSING } from './testing.js';
import { emptyTotals, type EpochLogs, type FitContext, type TrainState } from './types.js';

let root: string;

function state(step: number): TrainState {
  return { epoch: 0, step, batch: step, totals: emptyTotals() };
}

function context(model: tf.LayersModel, initial: TrainState = state(0)): FitContext {
  return {
    model,
    optimizer: createOptimizer({ optimizer: 'sgd', lr: 0.1 }),
    preprocessing: TINY_PREPROCESSING,
    epochs: 3,
    initial,
    state: { ...initial },
    trainableVariables: [],
    callbacks: [],
    stopTraining: false,
    learningRate: () => 0.1,
  };
}

function epochLogs(epoch: number, valMae: number): EpochLogs {
  return { epoch, step: epoch, samples: 1, seconds: 1, imagesPerSecond: 1, loss: 1, mae: 1, lr: 0.1, val_mae: valMae };
}

async function firstKernel(model: tf.LayersModel): Promise<Float32Array> {
  return (await model.getLayer('trunk').getWeights()[0]!.data()) as Float32Array;
}

describe('callbacks', () => {
  before(async () => {
    await initTrainingBackend();
    root = await mkdtemp(join(tmpdir(), 'howold-cb-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('checkpoints atomically: a failed or interrupted save leaves the previous checkpoint', async () => {
    const dir = join(root, 'ckpt');
    const model = tinyModel();
    const optimizer = createOptimizer({ optimizer: 'adam', lr: 0.01 });
    await fit(model, syntheticData(2, 4), { epochs: 1, batchSize: 4, preprocessing: TINY_PREPROCESSING, optimizer: 'adam', lr: 0.01, loss: 'dex' });
    // one step with this optimizer, so it holds Adam's slot variables (not just its iteration count)
    optimizer.minimize(() => tf.sum(tf.square(model.trainableWeights[0]!.read())) as tf.Scalar);
    const slots = await Promise.all((await optimizer.getWeights()).map(async (w) => ({ name: w.name, values: Array.from(await w.tensor.data()) })));
    assert.ok(slots.length > 1, 'Adam has slot variables after a step');
    await saveCheckpoint(dir, { model, optimizer, state: state(5), meta: { name: 'tiny', preprocessing: TINY_PREPROCESSING } });
    const saved = await firstKernel(model);

    // a save that fails half-way (after the model files are written)
    const broken = Object.create(optimizer) as tf.Optimizer;
    broken.getWeights = () => Promise.reject(new Error('disk full'));
    model.setWeights(model.getWeights().map((w) => tf.zerosLike(w)));
    await assert.rejects(saveCheckpoint(dir, { model, optimizer: broken, state: state(9), meta: { name: 'tiny', preprocessing: TINY_PREPROCESSING } }), /disk full/);
    let loaded = await loadCheckpoint(dir);
    assert.equal(loaded.state.step, 5);
    assert.deepEqual(await firstKernel(loaded.model), saved);
    const restored = await Promise.all((loaded.optimizerState ?? []).map(async (w) => ({ name: w.name, values: Array.from(await w.tensor.data()) })));
    assert.deepEqual(restored, slots, 'the optimizer state round-trips: names and values');
    loaded.model.dispose();
    tf.dispose(loaded.optimizerState?.map((w) => w.tensor) ?? []);

    // a kill between the two renames of the swap: only checkpoint.old is there
    await rename(dir, `${dir}.old`);
    await mkdir(`${dir}.tmp-12345`);
    await writeFile(join(`${dir}.tmp-12345`, 'model.json'), '{"trunc');
    loaded = await loadCheckpoint(dir);
    assert.equal(loaded.state.step, 5);
    assert.equal(loaded.optimizerClass, 'Adam');
    assert.equal(loaded.optimizerState?.[0]?.name, 'iter');
    loaded.model.dispose();
    tf.dispose(loaded.optimizerState?.map((w) => w.tensor) ?? []);

    // the next save cleans up the leftovers and replaces the checkpoint
    await saveCheckpoint(dir, { model, optimizer, state: state(12), meta: { name: 'tiny', preprocessing: TINY_PREPROCESSING } });
    assert.deepEqual((await readdir(root)).filter((n) => n.startsWith('ckpt')), ['ckpt']);
    assert.ok(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).step === 12);
    model.dispose();
    optimizer.dispose();
  });

  it('replaceDir never exposes a partial folder', async () => {
    const dir = join(root, 'swap');
    await replaceDir(dir, async (tmp) => writeFile(join(tmp, 'a'), 'old'));
    await assert.rejects(
      replaceDir(dir, async (tmp) => {
        await writeFile(join(tmp, 'a'), 'new');
        throw new Error('killed');
      }),
    );
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'old');
    await replaceDir(dir, async (tmp) => writeFile(join(tmp, 'a'), 'new'));
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'new');
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const model = tinyModel();
    const ctx = context(model);
    const stopper = new EarlyStopping({ patience: 2 });
    const kernels: Float32Array[] = [];
    for (const [epoch, mae] of [[0, 5], [1, 4], [2, 4.5], [3, 6]] as const) {
      model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, epoch)));
      kernels.push(await firstKernel(model));
      stopper.onEpochEnd(epochLogs(epoch, mae), ctx);
      assert.equal(ctx.stopTraining, epoch === 3);
    }
    await stopper.onTrainEnd({ epoch: [], history: {} }, ctx);
    assert.deepEqual(await firstKernel(model), kernels[1]);
    assert.deepEqual(stopper.getState(), { best: 4, bestEpoch: 1, wait: 2 });
    stopper.close();

    // restored from its checkpointed state, it stops at once
    const again = new EarlyStopping({ patience: 2 });
    again.setState(stopper.getState());
    const ctx2 = context(model);
    again.onTrainBegin(ctx2);
    assert.equal(ctx2.stopTraining, true);
    model.dispose();
    ctx.optimizer.dispose();
    ctx2.optimizer.dispose();
  });

  it('the progress bar prints one line per epoch when not on a terminal', async () => {
    let text = '';
    const stream = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
    const model = tinyModel();
    await fit(model, syntheticData(2, 4), {
      epochs: 2, batchSize: 4, preprocessing: TINY_PREPROCESSING, optimizer: 'adam', lr: 0.01, loss: 'dex',
      validationData: () => syntheticData(1, 4, 9)(), callbacks: [new ProgressBar({ stream, tty: false })],
    });
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^epoch 1\/2 {2}loss \d+\.\d+ {2}MAE \d+\.\d\d .*val_MAE \d+\.\d\d {2}val_CS@5 \d+\.\d% .*img\/s/);
    model.dispose();
  });

  it('the JSONL logger drops lines past the resume point, torn ones included', async () => {
    const path = join(root, 'log.jsonl');
    const lines = [
      { type: 'start', step: 0, epoch: 0 },
      ...[1, 2, 3, 4, 5].map((step) => ({ type: 'step', step, epoch: 0 })),
      { type: 'epoch', step: 5, epoch: 0 },
      ...[6, 7].map((step) => ({ type: 'step', step, epoch: 1 })),
    ];
    await writeFile(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    await appendFile(path, '{"type":"step","st');
    const logger = new JsonlLogger(path);
    const model = tinyModel();
    const ctx = context(model, { epoch: 1, step: 6, batch: 1, totals: emptyTotals() });
    await logger.onTrainBegin(ctx);
    const kept = await readJsonl(path);
    assert.deepEqual(kept.filter((l) => l.type === 'step').map((l) => l.step), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(kept.filter((l) => l.type === 'epoch').map((l) => l.epoch), [0]);
    assert.equal(kept.at(-1)!.type, 'start');
    assert.equal(kept.at(-1)!.resumed, true);
    model.dispose();
    ctx.optimizer.dispose();
  });
});
