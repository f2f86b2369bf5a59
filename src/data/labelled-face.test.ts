import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropLabelledFace, pickLabelledFace } from './labelled-face.js';
import { cropBox } from '../image/align.js';
import type { DetectedFace, RgbImage } from '../core/types.js';

/** A 100x80 image whose pixels encode their own position, so a crop shows where it was taken from. */
function gradient(): RgbImage {
  const width = 100;
  const height = 80;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x * 2, y * 3, 128], (y * width + x) * 3);
  return { data, width, height };
}

test("a dataset box in the photo's own pixels lands on the same place of a shrunk decode", async () => {
  const image = gradient();
  const shrunk = { ...image, originalWidth: 400, originalHeight: 320 }; // decoded at a quarter of the photo's size
  const row = { path: 'big.jpg', age: 30, faceBox: { x: 160, y: 120, width: 80, height: 80 } };
  const { pixels } = await cropLabelledFace(shrunk, row, { size: 16, margin: 2, source: 'box' });
  assert.deepEqual(pixels.data, cropBox(image, { x: 40, y: 30, width: 20, height: 20 }, 16, 2).data);
});

test('pickLabelledFace: the detection overlapping the dataset box, none when nothing overlaps enough', () => {
  const face = (x: number): DetectedFace => ({
    box: { x, y: 10, width: 20, height: 20 },
    score: 0.9,
    landmarks: { leftEye: { x, y: 0 }, rightEye: { x, y: 0 }, nose: { x, y: 0 }, mouthLeft: { x, y: 0 }, mouthRight: { x, y: 0 } },
  });
  const faces = [face(0), face(50), face(75)];
  assert.equal(pickLabelledFace(faces, gradient(), { x: 52, y: 12, width: 20, height: 20 }), faces[1]);
  assert.equal(pickLabelledFace(faces, gradient(), { x: 30, y: 60, width: 10, height: 10 }), undefined);
  assert.equal(pickLabelledFace([], gradient()), undefined);
});
