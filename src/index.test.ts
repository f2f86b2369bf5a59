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
    'faceToJson',
    'HowoldError',
    'InputError',
    'ArgumentError',
  ]) {
    assert.equal(typeof (howold as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof howold.ERROR_CODES, 'object');
  for (const name of ['exportOnnx', 'createModel', 'startRun', 'tf']) assert.equal(name in howold, false, `${name} is not inference`);
  // one estimate call: the array form replaced these
  assert.equal('estimatePhotos' in howold, false);
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

    const [fromBytes, bad, path_] = await estimate([readFileSync(astronaut), Buffer.from('not an image'), astronaut]);
    assert.ok(fromBytes && !fromBytes.error);
    assert.equal(fromBytes.input, 'image 0');
    assert.ok(Math.abs(fromBytes.faces[0]!.age - face.age) < 1e-6);
    assert.ok(bad?.error instanceof howold.InputError);
    assert.equal(bad.error.code, 'not_an_image');
    assert.equal(bad.input, 'image 1');
    assert.match(bad.error.message, /^image 1: not an image/);
    assert.equal(path_?.input, astronaut);
    assert.deepEqual(await estimate([]), []);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');

    await assert.rejects(() => estimate(Buffer.alloc(0)), (err: unknown) => err instanceof howold.HowoldError && err.code === 'empty');
  } finally {
    await estimate.dispose();
  }
});

test("estimate([...], { decode, names }): boxes in the photo's own pixels when decoding shrinks it", async () => {
  const model = process.env.HOWOLD_MODEL;
  const estimate = await howold.createAgeEstimator(model ? { model } : undefined);
  try {
    const sharp = (await import('sharp')).default;
    const big = await sharp(astronaut).resize(2048, 2048).png().toBuffer();
    const [small, large] = await estimate([astronaut, big], { decode: { maxSide: 512 }, names: ['small', 'big.png'] });
    assert.ok(small && !small.error && large && !large.error);
    assert.deepEqual([small.input, large.input], ['small', 'big.png']);
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
    const [many] = await estimate([photo], { minScore: 0.3 });
    assert.equal(many?.faces?.length, 3);
    const tiny = await estimate(photo, { faceDetector: 'tiny' });
    assert.ok(tiny.length >= 2 && tiny.every((f) => f.age > 0));
    // a bad option is the caller's mistake: it throws instead of filling every photo's slot
    await assert.rejects(estimate([photo], { minScore: 2 }), howold.ArgumentError);
    assert.deepEqual(howold.FACE_DETECTORS, ['ssd', 'tiny']);
  } finally {
    await estimate.dispose();
  }
});

test('estimate(image, { interval, flip }): per-call age options override the estimator\'s; bad options and arguments throw', async () => {
  const model = process.env.HOWOLD_MODEL;
  const estimate = await howold.createAgeEstimator(model ? { model } : undefined);
  try {
    const [face] = await estimate(astronaut);
    const [wide] = await estimate(astronaut, { interval: [0.05, 0.95] });
    assert.ok(face && wide);
    assert.ok(wide.low <= face.low && wide.high >= face.high && wide.high - wide.low > face.high - face.low, `${wide.low}-${wide.high} vs ${face.low}-${face.high}`);
    assert.equal(wide.age, face.age);
    const [unflipped] = await estimate(astronaut, { flip: false });
    const noFlip = await howold.createAgeEstimator({ ...(model ? { model } : {}), flip: false });
    try {
      const [reference] = await noFlip(astronaut);
      assert.ok(Math.abs(unflipped!.age - reference!.age) < 1e-6, `${unflipped!.age} vs ${reference!.age}`);
      assert.notEqual(unflipped!.age, face.age);
    } finally {
      await noFlip.dispose();
    }
    const [batch] = await estimate([astronaut], { interval: [0.05, 0.95] });
    assert.equal(batch?.faces?.[0]?.high, wide.high);

    const refuse = (call: Promise<unknown>, message: RegExp) => assert.rejects(call, (err: unknown) => err instanceof howold.ArgumentError && message.test(err.message));
    await refuse(estimate(astronaut, { interval: [0.9, 0.1] }), /^Expected a number between 0\.9 and 1 for options\.interval\[1\] but received 0\.1/);
    await refuse(estimate(astronaut, { flip: 'yes' as never }), /^Expected a boolean for options\.flip but received 'yes'/);
    await refuse(estimate(astronaut, { decode: { maxSide: 0 } }), /^Expected an integer >= 1 for options\.decode\.maxSide but received 0/);
    await refuse(estimate([astronaut, astronaut], { names: ['one'] }), /^Expected an array of 2 names for options\.names but received an array of length 1/);
    await refuse(estimate([astronaut, 42 as never]), /^Expected a path, encoded image bytes or RGB pixels for images\[1\] but received 42 of type number/);
    await refuse(estimate(null as never), /for image but received null/);
    // a bad photo: its name in the one-line message
    await assert.rejects(estimate(Buffer.from('nope'), { name: 'upload.jpg' }), (err: unknown) => err instanceof howold.HowoldError && err.message === 'upload.jpg: not an image (expected JPEG, PNG or WebP)');
  } finally {
    await estimate.dispose();
  }
});

test('dispose(): a second call does nothing; every call after it throws HowoldError disposed', async () => {
  const model = process.env.HOWOLD_MODEL;
  const estimate = await howold.createAgeEstimator(model ? { model } : undefined);
  await estimate.dispose();
  await estimate.dispose();
  const disposed = (err: unknown) => err instanceof howold.HowoldError && err.code === 'disposed' && /AgeEstimator has been disposed/.test(err.message);
  await assert.rejects(estimate(astronaut), disposed);
  await assert.rejects(estimate([astronaut]), disposed);
  await assert.rejects(estimate.estimateCrops([]), disposed);
  const pixels = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 };
  await assert.rejects(estimate.detectAndAlign(pixels), disposed);
  await assert.rejects(estimate.detector.detect(pixels), (err: unknown) => err instanceof howold.HowoldError && err.code === 'disposed' && /FaceDetector has been disposed/.test(err.message));
});
