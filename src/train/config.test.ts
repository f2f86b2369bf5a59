import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../core/errors.js';
import { autoWorkerCount, BASE_DEFAULTS, checkRunConfig, resolveConfig, RUN_DEFAULTS, type RunConfig } from './config.js';

const good: RunConfig = { ...BASE_DEFAULTS, ...RUN_DEFAULTS, data: '/d', out: '/o', model: 'compact-cnn' };

test('resolveConfig: built-in defaults < the model entry\'s defaultTraining < the options, paths made absolute', async () => {
  const config = await resolveConfig({ data: 'shards', out: 'run', model: 'vgg16-tutorial', epochs: 3 });
  assert.equal(config.epochs, 3);
  assert.equal(config.optimizer, 'sgd', "the tutorial's optimizer, from its registry entry");
  assert.equal(config.patience, RUN_DEFAULTS.patience);
  assert.ok(config.data.startsWith('/') && config.out.endsWith('/run'));
});

test('checkRunConfig names the wrong field with the one wording of argument errors', () => {
  assert.equal(checkRunConfig(good), good);
  const rejects = (change: Partial<RunConfig>, pattern: RegExp) =>
    assert.throws(() => checkRunConfig({ ...good, ...change }), (err: unknown) => err instanceof ArgumentError && pattern.test(err.message));
  rejects({ epochs: 0 }, /^Expected an integer >= 1 for options\.epochs but received 0 of type number$/);
  rejects({ lr: -1 }, /Expected a number > 0 for options\.lr/);
  rejects({ optimizer: 'rmsprop' as RunConfig['optimizer'] }, /Expected one of sgd, adam for options\.optimizer but received 'rmsprop'/);
  rejects({ momentum: 2 }, /options\.momentum/);
  rejects({ balance: 1.5 }, /options\.balance/);
  rejects({ workers: 0 }, /options\.workers/);
  rejects({ augmentation: 'fancy' as RunConfig['augmentation'] }, /options\.augmentation/);
  rejects({ unfreeze: [''] }, /options\.unfreeze\[0\]/);
});

test('resolveConfig checks what it merged', async () => {
  await assert.rejects(resolveConfig({ data: 'shards', out: 'run', model: 'compact-cnn', batchSize: 2.5 }), /options\.batchSize/);
});

test("workers 'auto': one per core, each with at least 16 faces of the batch; the count is what the run records", async () => {
  assert.equal(autoWorkerCount(32, 2), 2);
  assert.equal(autoWorkerCount(32, 64), 2, 'a batch of 32 has two shares of 16');
  assert.equal(autoWorkerCount(50, 64), 3);
  assert.equal(autoWorkerCount(8, 2), 1, 'a batch below 32 stays on one thread');
  assert.equal(autoWorkerCount(32, 1), 1);
  const config = await resolveConfig({ data: 'shards', out: 'run', model: 'compact-cnn', batchSize: 32, workers: 'auto' });
  assert.equal(config.workers, autoWorkerCount(32));
  const given = await resolveConfig({ data: 'shards', out: 'run', model: 'compact-cnn', batchSize: 64, workers: 3 });
  assert.equal(given.workers, 3);
  await assert.rejects(resolveConfig({ data: 'shards', out: 'run', model: 'compact-cnn', workers: 'many' as unknown as number }), /options\.workers/);
});
