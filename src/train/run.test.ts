import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../tf/backend.js';
import { readJsonl } from '../core/atomic.js';
import type { MonitorLine } from './callbacks/index.js';
import { readCheckpointState } from './checkpoint.js';
import { loadModel, saveModel } from '../models/model-folder.js';
import { resolveConfig, type StartOptions } from './config.js';
import { initTrainingBackend, resumeRun, startRun } from './run.js';
import { StopAt, tinyModel, TINY_PREPROCESSING, writeSyntheticShards } from './testing.js';

let root: string;
let shards: string;
let tiny: string;

const quiet = { progress: false as const, log: () => {} };

function options(out: string, extra: Partial<StartOptions> = {}): StartOptions {
  // 2 shards x 24 train faces at batch 8: 6 steps per epoch.
  return {
    data: shards,
    out,
    from: tiny,
    epochs: 3,
    batchSize: 8,
    optimizer: 'sgd',
    lr: 0.02,
    momentum: 0.9,
    nesterov: true,
    schedule: 'cosine',
    warmupEpochs: 0.5,
    checkpointEvery: 4,
    patience: 0,
    monitorCount: 10,
    seed: 5,
    ...extra,
  };
}

async function weights(dir: string): Promise<Float32Array[]> {
  const { model } = await loadModel(dir);
  const out = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  model.dispose();
  return out;
}

describe('training runs', () => {
  before(async () => {
    await initTrainingBackend();
    root = await mkdtemp(join(tmpdir(), 'howold-run-'));
    shards = join(root, 'shards');
    tiny = join(root, 'tiny');
    await writeSyntheticShards(shards);
    const model = tinyModel({ gender: true });
    await saveModel(model, tiny, { name: 'tiny', preprocessing: TINY_PREPROCESSING });
    model.dispose();
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('resumes after a kill at the step after the last checkpoint, as if never interrupted', async () => {
    const straight = join(root, 'straight');
    const killed = join(root, 'killed');
    const done = await startRun(options(straight), quiet);
    assert.deepEqual(done.history.epoch, [0, 1, 2]);

    await assert.rejects(startRun(options(killed), { ...quiet, callbacks: [new StopAt(11)] }), /stopped at step 11/);
    const state = await readCheckpointState(join(killed, 'checkpoint'));
    assert.equal(state?.step, 8);
    assert.equal(state?.epoch, 1);
    assert.equal(state?.batch, 2);

    const resumed = await resumeRun(killed, {}, quiet);
    assert.deepEqual(resumed.resumedFrom, { epoch: 1, step: 8 });
    assert.deepEqual(resumed.history.epoch, [1, 2]);

    // same data order, augmentation, optimizer slots and schedule position: bit-identical weights
    const [a, b] = [await weights(done.finalDir), await weights(resumed.finalDir)];
    assert.equal(a.length, b.length);
    a.forEach((w, i) => assert.deepEqual(w, b[i]));

    const log = await readJsonl(join(killed, 'log.jsonl'));
    const steps = log.filter((l) => l.type === 'step').map((l) => l.step);
    assert.deepEqual(steps, Array.from({ length: 18 }, (_, i) => i + 1));
    assert.deepEqual(log.filter((l) => l.type === 'epoch').map((l) => l.epoch), [0, 1, 2]);
    assert.deepEqual(log.filter((l) => l.type === 'start').map((l) => l.step), [0, 8]);
    const straightLog = await readJsonl(join(straight, 'log.jsonl'));
    const lossAt = (lines: Record<string, unknown>[], step: number) => lines.find((l) => l.type === 'step' && l.step === step)?.loss;
    assert.equal(lossAt(log, 15), lossAt(straightLog, 15));

    const monitor = await readJsonl<MonitorLine>(join(killed, 'monitor.jsonl'));
    assert.deepEqual(monitor.map((l) => l.step), [4, 6, 8, 12, 16, 18]);
    for (const line of monitor) {
      assert.equal(line.ages.length, 10);
      assert.equal(line.truth.length, 10);
      assert.equal(line.paths.length, 10);
      assert.ok(line.ages.every((a) => a >= 0 && a <= 100));
    }
    assert.deepEqual(monitor[0]!.paths, monitor.at(-1)!.paths);
    assert.deepEqual(monitor, await readJsonl<MonitorLine>(join(straight, 'monitor.jsonl')).then((m) => m.map((l, i) => ({ ...l, ages: monitor[i]!.ages }))));

    const names = await readdir(killed);
    for (const name of ['config.json', 'log.jsonl', 'monitor.jsonl', 'checkpoint', 'best', 'final']) assert.ok(names.includes(name), name);
    assert.ok(!names.some((n) => n.includes('.tmp-') || n.endsWith('.old')), names.join(', '));
  });

  it('refuses to start over an existing run, and a finished run resumes to no work', async () => {
    const out = join(root, 'twice');
    await startRun(options(out, { epochs: 1 }), quiet);
    await assert.rejects(startRun(options(out, { epochs: 1 }), quiet), /--resume/);
    const again = await resumeRun(out, {}, quiet);
    assert.deepEqual(again.history.epoch, []);
    const more = await resumeRun(out, { epochs: 2 }, quiet);
    assert.deepEqual(more.history.epoch, [1]);
  });

  it('fine-tunes from a saved model, stops early and keeps the best weights', async () => {
    const out = join(root, 'early');
    // lr so high that validation gets worse after the first epoch
    const result = await startRun(options(out, { epochs: 6, lr: 5, patience: 1, optimizer: 'sgd', momentum: 0, nesterov: false, schedule: 'constant' }), quiet);
    assert.ok(result.history.epoch.length < 6, `ran ${result.history.epoch.length} epochs`);
    const mae = result.history.history.val_mae!;
    const best = Math.min(...mae);
    const { model, meta } = await loadModel(result.finalDir);
    assert.equal(meta?.name, 'tiny');
    assert.equal(meta?.metrics?.val_mae, best);
    assert.deepEqual(await weights(result.finalDir), await weights(join(out, 'best')));
    model.dispose();

    // resuming the stopped run does no more epochs and still ends on the best weights (read back from best/)
    const again = await resumeRun(out, {}, quiet);
    assert.deepEqual(again.history.epoch, []);
    assert.deepEqual(await weights(again.finalDir), await weights(join(out, 'best')));
  });

  it("takes defaults from the model entry's defaultTraining, under the given options", async () => {
    const tutorial = await resolveConfig({ data: shards, out: join(root, 'x'), model: 'vgg16-tutorial' });
    assert.deepEqual(
      [tutorial.optimizer, tutorial.lr, tutorial.momentum, tutorial.nesterov, tutorial.loss, tutorial.batchSize, tutorial.targets],
      ['sgd', 0.01, 0.1, true, 'dex', 50, 'onehot'],
    );
    const mine = await resolveConfig({ data: shards, out: join(root, 'x'), model: 'vgg16-tutorial', lr: 0.001, batchSize: 8, optimizer: 'adam' });
    assert.deepEqual([mine.optimizer, mine.lr, mine.batchSize, mine.momentum], ['adam', 0.001, 8, 0.1]);
    await assert.rejects(resolveConfig({ data: shards, out: join(root, 'x'), model: 'no-such-net' }), /no-such-net/);
  });

  it('leaks no tensors over a run', async () => {
    const before = tf.memory().numTensors;
    await startRun(options(join(root, 'leak'), { epochs: 1, optimizer: 'adam', lr: 0.01 }), quiet);
    assert.equal(tf.memory().numTensors, before);
  });
});
