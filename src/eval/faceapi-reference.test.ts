import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { createFaceDetector, faceApiModelDir } from '../detect/index.js';
import { landmarkBoxFrame } from '../image/align.js';
import { decodeImage } from '../image/decode.js';
import { tf } from '../tf/backend.js';
import { createFaceApiReference } from './faceapi-reference.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const utkface = path.resolve(repoRoot, '../shared/datasets/utkface');
const FILES = ['1_0_0_20161219140642920.jpg.chip.jpg', '27_0_0_20170116204851886.jpg.chip.jpg', '61_0_0_20170104185643766.jpg.chip.jpg'];

test("the reference line is face-api's AgeGenderNet on the 68-landmark box: its own ages, batched, no tensors left", async () => {
  const reference = await createFaceApiReference();
  const detector = await createFaceDetector({ mode: 'crop' });
  await faceapi.nets.ageGenderNet.loadFromDisk(faceApiModelDir());
  const crops = [];
  for (const file of FILES) {
    const image = await decodeImage(path.join(utkface, file));
    const [face] = await detector.detect(image);
    const crop = reference.crop(image, face!);
    assert.equal(crop.width, 112);
    // the frame: the landmark box padded by 1.2
    const frame = landmarkBoxFrame(face!.landmarks);
    assert.ok(frame.scale > 100 && frame.scale < 220, `${file}: landmark box ${frame.scale}`);
    crops.push(crop);
  }
  const before = tf.memory().numTensors;
  const ages = await reference.ages(crops);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(ages.length, FILES.length);
  for (const [i, crop] of crops.entries()) {
    const input = tf.tensor3d(crop.data, [112, 112, 3], 'int32');
    const own = (await faceapi.nets.ageGenderNet.predictAgeAndGender(input as never)) as unknown as { age: number };
    input.dispose();
    assert.ok(Math.abs(ages[i]! - own.age) < 0.1, `${FILES[i]}: ${ages[i]} vs face-api ${own.age}`);
  }
  assert.ok(ages[0]! < 10 && ages[2]! > 40, `a baby and a 61-year-old: ${ages.map((a) => a.toFixed(1))}`);
  assert.deepEqual(await reference.ages([]), []);
  faceapi.nets.ageGenderNet.dispose();
  detector.dispose();
  reference.dispose();
});
