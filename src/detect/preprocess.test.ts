import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { Box, RgbImage } from '../core/types.js';
import { initBackend, tf } from '../tf/backend.js';
import { padImage, writeNetInput, type Normalisation } from './preprocess.js';

function noise(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height };
}

/** face-api's own input for `region` of `image`: NetInput.toBatchTensor, then (x - mean) / divisor. */
async function faceApiInput(image: RgbImage, region: Box, size: number, centre: boolean, norm: Normalisation): Promise<Float32Array> {
  const values = tf.tidy(() => {
    const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    const crop = tf.slice3d(pixels, [region.y, region.x, 0], [region.height, region.width, 3]);
    const batch = new faceapi.NetInput([crop as unknown as faceapi.tf.Tensor3D]).toBatchTensor(size, centre) as unknown as tf.Tensor4D;
    return tf.div(tf.sub(batch, tf.tensor1d([...norm.mean])), norm.divisor);
  });
  const data = (await values.data()) as Float32Array;
  values.dispose();
  return data;
}

const NORM: Normalisation = { mean: [117.001, 114.697, 97.404], divisor: 255 };

test('writeNetInput matches face-api NetInput.toBatchTensor (padding, bilinear resize, normalisation)', async () => {
  await initBackend();
  const image = noise(500, 375, 7);
  const cases: Array<[string, Box, number, boolean]> = [
    ['whole landscape image to 512, padded below', { x: 0, y: 0, width: 500, height: 375 }, 512, false],
    ['portrait region to 128, padded right', { x: 20, y: 10, width: 230, height: 301 }, 128, false],
    ['portrait crop to 112, centred, odd difference', { x: 101, y: 33, width: 37, height: 54 }, 112, true],
    ['landscape crop to 112, centred', { x: 3, y: 200, width: 90, height: 61 }, 112, true],
    ['crop already 112 square: no resize', { x: 300, y: 100, width: 112, height: 112 }, 112, true],
    ['112 wide, 81 tall: no resize, rows of padding around it', { x: 250, y: 40, width: 112, height: 81 }, 112, true],
    ['112 wide, 81 tall: no resize, padded below', { x: 250, y: 40, width: 112, height: 81 }, 112, false],
    ['75 wide, 112 tall: no resize, padded right', { x: 7, y: 250, width: 75, height: 112 }, 112, false],
    ['75 wide, 112 tall: no resize, columns of padding on both sides', { x: 7, y: 250, width: 75, height: 112 }, 112, true],
    ['large crop shrunk to 112', { x: 150, y: 0, width: 350, height: 340 }, 112, true],
  ];
  for (const [what, region, size, centre] of cases) {
    // NaN everywhere: an element left unwritten fails the comparison, one written before the offset is seen too
    const ours = new Float32Array(size * size * 3 + 5).fill(Number.NaN);
    writeNetInput(image, region, size, centre, NORM, ours, 5);
    assert.ok(ours.subarray(0, 5).every(Number.isNaN), `${what}: nothing written before the offset`);
    const theirs = await faceApiInput(image, region, size, centre, NORM);
    let worst = 0;
    for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours[i + 5]! - theirs[i]!));
    assert.ok(worst < 1e-5, `${what}: max difference ${worst}`);
  }
});

test('padImage adds a border of one value', () => {
  const image: RgbImage = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1 };
  const padded = padImage(image, 1, 9);
  assert.equal(padded.width, 4);
  assert.equal(padded.height, 3);
  assert.deepEqual([...padded.data.subarray(12, 24)], [9, 9, 9, 1, 2, 3, 4, 5, 6, 9, 9, 9]);
  assert.ok(padded.data.subarray(0, 12).every((v) => v === 9));
  assert.ok(padded.data.subarray(24).every((v) => v === 9));
  assert.deepEqual(padImage(image, 0, 9).data, image.data);
});
