import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDetectorConfig } from './detector-config.js';
import { decodeSsd, decodeTiny, landmarksFromOutput, nonMaxSuppression, ssdNonMaxSuppression } from './faceapi-post.js';

// face-api's post-processing values, as models/detector/detector.json ships them
const { ssd, tiny } = await readDetectorConfig();

const logit = (p: number) => Math.log(p / (1 - p));

test('SSD: decodes against the anchors, keeps scores above the threshold, suppresses overlaps above IoU 0.5', () => {
  // Three anchors (ymin, xmin, ymax, xmax); zero encodings decode to the anchors themselves.
  const anchors = Float32Array.from([0.1, 0.1, 0.3, 0.3, 0.11, 0.11, 0.31, 0.31, 0.5, 0.5, 0.9, 0.7]);
  const encodings = new Float32Array(12);
  const logits = Float32Array.from([0, logit(0.8), 0, 0, logit(0.9), 0, 0, logit(0.6), 0]);
  const faces = decodeSsd(encodings, logits, anchors, 200, 200, 512, 0.5, 100, ssd.iouThreshold);
  assert.equal(faces.length, 2);
  assert.ok(Math.abs(faces[0]!.score - 0.9) < 1e-6 && Math.abs(faces[1]!.score - 0.6) < 1e-6);
  const b = faces[1]!.box;
  assert.ok(Math.abs(b.x - 100) < 1e-3 && Math.abs(b.y - 100) < 1e-3 && Math.abs(b.width - 40) < 1e-3 && Math.abs(b.height - 80) < 1e-3);
  // A non-square image: face-api pads it at the bottom, so relative heights are scaled back by 512 / 256.
  const wide = decodeSsd(encodings, logits, anchors, 400, 200, 512, 0.5, 100, ssd.iouThreshold);
  assert.ok(Math.abs(wide[1]!.box.y - 0.5 * 2 * 200) < 1e-3);
  // An encoding moves the centre by a tenth of the anchor's size per unit and scales the size by exp(v / 5); the
  // box is clipped to the padded square: anchor 2 (centre x 0.6, width 0.2) goes to centre 0.8, half-width 0.1 e.
  const shifted = decodeSsd(Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 5]), logits, anchors, 200, 200, 512, 0.5, 100, ssd.iouThreshold);
  const s = shifted[1]!.box;
  assert.ok(Math.abs(s.x - (0.8 - 0.1 * Math.E) * 200) < 1e-3 && Math.abs(s.x + s.width - 200) < 1e-3, JSON.stringify(s));
  assert.deepEqual(ssdNonMaxSuppression(Float32Array.from([0, 0, 1, 1, 0, 0, 1, 1]), Float32Array.from([0.6, 0.7]), 1, 0.5, 0.5), [1]);
});

test('TinyFaceDetector: grid cells and anchors to boxes, NMS at IoU 0.4', () => {
  const cells = 2;
  const grid = new Float32Array(cells * cells * 25).fill(-20);
  // Cell (row 1, col 0), anchor 2: centred in the cell, width exp(0) x anchor 2.882 cells.
  const o = ((1 * cells + 0) * 5 + 2) * 5;
  grid.set([0, 0, 0, 0, logit(0.7)], o);
  const [face, ...rest] = decodeTiny(grid, cells, 64, 100, 100, 0.5, tiny.anchors, tiny.iouThreshold);
  assert.equal(rest.length, 0);
  assert.ok(Math.abs(face!.score - 0.7) < 1e-6);
  assert.ok(Math.abs(face!.box.x + face!.box.width / 2 - 25) < 1e-9);
  assert.ok(Math.abs(face!.box.y + face!.box.height / 2 - 75) < 1e-9);
  assert.ok(Math.abs(face!.box.width - (2.882459 / cells) * 100) < 1e-6);
  const boxes = [
    { left: 0, top: 0, right: 10, bottom: 10 },
    { left: 1, top: 1, right: 11, bottom: 11 },
    { left: 20, top: 20, right: 30, bottom: 30 },
  ];
  assert.deepEqual(nonMaxSuppression(boxes, [0.5, 0.9, 0.7], 0.4), [1, 2]);
});

test('landmarks: from the 112 px square back to the crop, less the centring padding', () => {
  const output = new Float32Array(136);
  output[0] = 0.5; // x of point 0 at the square's centre
  output[1] = 0.25;
  // A 50 x 100 crop fills the square's height; its width is centred with 28 px of padding either side.
  const [p] = landmarksFromOutput(output, 50, 100, 112);
  assert.ok(Math.abs(p!.x - 25) < 1e-9 && Math.abs(p!.y - 25) < 1e-9);
});
