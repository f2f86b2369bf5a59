import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as howold from './index.js';
import { initBackend, tf } from './tf/backend.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const astronaut = path.join(repoRoot, 'examples/astronaut.png');

test('the public API exports what the docs name', () => {
  for (const name of [
    'createAgeEstimator',
    'decodeImage',
    'encodeImage',
    'createFaceDetector',
    'alignFace',
    'evaluate',
    'ageMetrics',
    'estimatePhotos',
    'faceToJson',
    'HowoldError',
    'InputError',
    'ArgumentError',
  ]) {
    assert.equal(typeof (howold as Record<string, unknown>)[name], 'function', name);
  }
  for (const name of ['exportOnnx', 'createModel', 'startRun', 'tf']) assert.equal(name in howold, false, `${name} is not inference`);
});

test('howold/train and howold/export hold training and export', async () => {
  const train = await import('./train/index.js');
  const exporter = await import('./export/index.js');
  for (const name of ['createModel', 'listModels', 'startRun', 'resumeRun', 'fit', 'openDataset', 'prepareShards']) {
    assert.equal(typeof (train as Record<string, unknown>)[name], 'function', name);
  }
  assert.ok(train.listModels().length > 0);
  assert.equal(typeof exporter.exportOnnx, 'function');
});

test('createAgeEstimator() with the shipped model: the example photo, bytes, a bad image in a batch, no leaks', async () => {
  // unset in CI: the shipped models/default
  const model = process.env.HOWOLD_MODEL;
  const estimate = await howold.createAgeEstimator(model ? { model } : undefined);
  try {
    await initBackend();
    const before = tf.memory().numTensors;
    const faces = await estimate(astronaut);
    assert.equal(faces.length, 1);
    const face = faces[0]!;
    assert.ok(face.age >= 20 && face.age <= 65, `age ${face.age}`);
    assert.ok(face.low <= face.age && face.age <= face.high, `${face.low} <= ${face.age} <= ${face.high}`);
    assert.equal(face.distribution.length, estimate.meta.outputs.ageClasses);
    assert.ok(Math.abs(face.distribution.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    assert.ok(face.score > 0.5 && face.score <= 1);
    assert.ok(face.box.width > 40 && face.box.height > 40);

    const [fromBytes, bad] = await estimate.estimateMany([readFileSync(astronaut), Buffer.from('not an image')]);
    assert.ok(Array.isArray(fromBytes));
    assert.ok(Math.abs(fromBytes[0]!.age - face.age) < 1e-6);
    assert.ok(bad instanceof howold.InputError);
    assert.equal(bad.code, 'not_an_image');
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');

    await assert.rejects(() => estimate(Buffer.alloc(0)), (err: unknown) => err instanceof howold.HowoldError && err.code === 'empty');
  } finally {
    await estimate.dispose();
  }
});

test('estimatePhotos: boxes in the photo\'s own pixels when decoding shrinks it', async () => {
  const model = process.env.HOWOLD_MODEL;
  const estimate = await howold.createAgeEstimator(model ? { model } : undefined);
  try {
    const sharp = (await import('sharp')).default;
    const big = await sharp(astronaut).resize(2048, 2048).png().toBuffer();
    const [small, large] = await howold.estimatePhotos(estimate, [astronaut, big], { decode: { maxSide: 512 } });
    assert.ok(!(small instanceof Error) && !(large instanceof Error));
    assert.deepEqual([large.width, large.height], [2048, 2048]);
    const a = small.faces[0]!.box;
    const b = large.faces[0]!.box;
    for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(b[k] / 4 - a[k]) < 3, `${k}: ${b[k]} / 4 vs ${a[k]}`);
  } finally {
    await estimate.dispose();
  }
});

test('estimate(image, { minScore, faceDetector }): per-call detector options on a group photo', async () => {
  const model = process.env.HOWOLD_MODEL;
  // the image alone (no padded pass): the woman in the middle of 2008_001322 scores 0.45 there
  const estimate = await howold.createAgeEstimator({ ...(model ? { model } : {}), detector: { padding: [] } });
  try {
    const photo = path.resolve(repoRoot, '../shared/datasets/group-photos/2008_001322.jpg');
    const low = await estimate(photo, { minScore: 0.3 });
    const high = await estimate(photo, { minScore: 0.6 });
    assert.equal(low.length, 3);
    assert.equal(high.length, 2);
    assert.equal((await estimate(photo)).length, 2);
    const [many] = await estimate.estimateMany([photo], { minScore: 0.3 });
    assert.ok(Array.isArray(many) && many.length === 3);
    const tiny = await estimate(photo, { faceDetector: 'tiny' });
    assert.ok(tiny.length >= 2 && tiny.every((f) => f.age > 0));
    // a bad option is the caller's mistake: it throws instead of filling every photo's slot
    await assert.rejects(estimate.estimateMany([photo], { minScore: 2 }), howold.ArgumentError);
    assert.deepEqual(howold.FACE_DETECTORS, ['ssd', 'tiny']);
  } finally {
    await estimate.dispose();
  }
});
