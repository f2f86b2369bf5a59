import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { initBackend, tf } from '../tf/backend.js';
import { expectedAge } from './dex.js';
import {
  FACE_API_AGE_PREPROCESSING as P,
  buildFaceApiAgeModel,
  faceApiModelDir,
  initDexFromRegression,
  readFaceApiAgeGenderWeights,
  setFaceApiWeights,
  tinyXceptionFeatures,
} from './tinyxception.js';

const utkface = resolve(fileURLToPath(import.meta.url), '../../../../shared/datasets/utkface');

test("the Layers rebuild of face-api's AgeGenderNet gives face-api's ages on real faces", async () => {
  await initBackend();
  const input = tf.input({ shape: [112, 112, 3] });
  const regression = tf.layers.dense({ units: 1, name: 'fc/age' }).apply(tinyXceptionFeatures(input)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: regression });
  const weights = await readFaceApiAgeGenderWeights();
  assert.equal(setFaceApiWeights(model, weights).length, 17, 'every conv layer of the backbone got its weights');
  model.getLayer('fc/age').setWeights([weights['fc/age/weights']!, weights['fc/age/bias']!]);
  await faceapi.nets.ageGenderNet.loadFromDisk(faceApiModelDir());
  const files = readdirSync(utkface).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 2000 === 0);
  for (const file of files) {
    const { data } = await sharp(resolve(utkface, file)).resize(112, 112).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = tf.tensor3d(new Uint8Array(data), [112, 112, 3], 'int32');
    const reference = (await faceapi.nets.ageGenderNet.predictAgeAndGender(image as never)) as unknown as { age: number };
    const ours = tf.tidy(() => (model.predict(image.toFloat().sub(tf.tensor1d(P.mean)).div(256).expandDims(0)) as tf.Tensor).dataSync()[0]!);
    assert.ok(Math.abs(ours - reference.age) < 0.1, `${file}: ours ${ours} vs face-api ${reference.age}`);
    image.dispose();
  }
  faceapi.nets.ageGenderNet.dispose();
  model.dispose();
  tf.dispose(Object.values(weights));
});

test('the DEX head starts as a Gaussian centred on the regression: same expected age inside 0..100', async () => {
  await initBackend();
  const features = tf.input({ shape: [3] });
  const age = tf.layers.dense({ units: 101, activation: 'softmax', name: 'age' }).apply(features) as tf.SymbolicTensor;
  const head = tf.model({ inputs: features, outputs: age });
  const w = tf.tensor2d([[2], [-1], [0.5]]);
  const b = tf.tensor1d([10]);
  initDexFromRegression(head.getLayer('age'), w, b, 6);
  const f = [[5, 1, 4], [20, 3, 2], [30, 1, 62]]; // regression: 21, 48, 100 (clipped: the Gaussian is cut at 100)
  const probs = tf.tidy(() => (head.predict(tf.tensor2d(f)) as tf.Tensor).dataSync());
  const ages = [0, 1, 2].map((i) => expectedAge(probs.subarray(i * 101, (i + 1) * 101)));
  assert.ok(Math.abs(ages[0]! - 21) < 0.05, `21 -> ${ages[0]}`);
  assert.ok(Math.abs(ages[1]! - 48) < 0.05, `48 -> ${ages[1]}`);
  assert.ok(ages[2]! > 90 && ages[2]! < 100, `100 -> ${ages[2]}`);
  tf.dispose([w, b]);
  head.dispose();
});

test('faceapi-xception freezes the backbone by default and keeps both heads trainable', async () => {
  await initBackend();
  const model = await buildFaceApiAgeModel();
  const trainable = model.layers.filter((l) => l.trainable && l.weights.length > 0).map((l) => l.name);
  assert.deepEqual(trainable.sort(), ['age', 'gender']);
  assert.deepEqual(model.outputNames, ['age', 'gender']);
  model.dispose();
});
