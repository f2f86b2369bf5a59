import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../core/errors.js';
import type { DetectedFace, Point, RgbImage } from '../core/types.js';
import { createFaceDetector, type FaceDetector } from '../detect/index.js';
import { faceFrame } from '../image/align.js';
import { decodeImage } from '../image/decode.js';
import { matchFace } from './robustness.js';
import { createScene, placeFace, renderFace, toScene } from './scenes.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const utkface = path.resolve(repoRoot, '../shared/datasets/utkface');
// a child, a young adult and an older man, frontal
const FACES = ['1_0_0_20161219140642920.jpg.chip.jpg', '27_0_0_20170116204851886.jpg.chip.jpg', '61_0_0_20170104185643766.jpg.chip.jpg'];

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
const degrees = (radians: number) => (radians * 180) / Math.PI;

describe('renderFace on real UTKFace faces', () => {
  let photo: FaceDetector;
  let crop: FaceDetector;
  const faces: { image: RgbImage; found: DetectedFace }[] = [];

  before(async () => {
    photo = await createFaceDetector();
    crop = await createFaceDetector({ mode: 'crop' });
    for (const file of FACES) {
      const decoded = await decodeImage(path.join(utkface, file));
      const image = { data: decoded.data, width: decoded.width, height: decoded.height };
      const [found] = await crop.detect(image);
      assert.ok(found, `crop mode finds the face of ${file}`);
      faces.push({ image, found });
    }
  });
  after(() => {
    photo.dispose();
    crop.dispose();
  });

  for (const angle of [0, 20, -20]) {
    test(`the detector finds the face where the placement says, eyes and all (turned ${angle}°)`, async () => {
      for (const [i, { image, found }] of faces.entries()) {
        const scene = createScene(100 + i);
        const { image: rendered, placement } = await renderFace(scene, image, 128, angle);
        assert.equal(rendered.width, 640);
        assert.equal(rendered.height, 480);
        const detected = await photo.detect(rendered);
        const m = matchFace(detected, placement);
        assert.notEqual(m, undefined, `${FACES[i]}: a face at the placement (found ${detected.length})`);
        const face = detected[m!]!;
        assert.equal(detected.length, 1, `${FACES[i]}: no other face in the scene`);
        // the crop's eyes, followed into the scene, are where the detector puts them
        const scale = faceFrame(face.landmarks).scale;
        for (const eye of ['leftEye', 'rightEye'] as const) {
          const expected = toScene(found.landmarks[eye], placement);
          assert.ok(distance(face.landmarks[eye], expected) < 0.15 * scale, `${FACES[i]} ${eye}: ${JSON.stringify(face.landmarks[eye])} vs ${JSON.stringify(expected)}`);
        }
        // rotation moves the eyes: the eye line turns by the angle
        const turn = degrees(faceFrame(face.landmarks).angle - faceFrame(found.landmarks).angle);
        assert.ok(Math.abs(turn - angle) < 4, `${FACES[i]}: eye line turned ${turn.toFixed(1)}° for ${angle}°`);
      }
    });
  }

  test('smaller faces land at their size in the same spot', async () => {
    const { image, found } = faces[0]!;
    const scene = createScene(8);
    for (const size of [64, 200]) {
      const { image: rendered, placement } = await renderFace(scene, image, size);
      const detected = await photo.detect(rendered);
      const m = matchFace(detected, placement);
      assert.notEqual(m, undefined, `a ${size} px face is found`);
      const expectedScale = (faceFrame(found.landmarks).scale * size) / image.width;
      const scale = faceFrame(detected[m!]!.landmarks).scale;
      assert.ok(Math.abs(scale / expectedScale - 1) < 0.15, `${size} px: face scale ${scale.toFixed(1)} vs ${expectedScale.toFixed(1)}`);
    }
  });
});

test('scenes are drawn from the seed: same seed, same pixels; another seed, another scene', async () => {
  const a = createScene(42);
  const b = createScene(42);
  const c = createScene(43);
  assert.deepEqual(a.spot, b.spot);
  assert.ok(Buffer.from(a.background.data).equals(Buffer.from(b.background.data)));
  assert.ok(!Buffer.from(a.background.data).equals(Buffer.from(c.background.data)));
  const face = await decodeImage(path.join(utkface, FACES[0]!));
  const ra = await renderFace(a, face, 96, 10);
  const rb = await renderFace(b, face, 96, 10);
  assert.ok(Buffer.from(ra.image.data).equals(Buffer.from(rb.image.data)));
  assert.deepEqual(ra.placement, rb.placement);
});

test('the background is a texture, not a flat colour', () => {
  const { background } = createScene(5);
  const values = Array.from(background.data);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  assert.ok(std > 15, `std ${std}`);
  // local texture too, not only a gradient: neighbouring pixels differ somewhere in every 32x32 tile
  const { width, height, data } = background;
  for (let ty = 0; ty + 32 <= height; ty += 32) {
    for (let tx = 0; tx + 32 <= width; tx += 32) {
      let diff = 0;
      for (let y = ty; y < ty + 32; y++) for (let x = tx; x < tx + 31; x++) diff += Math.abs(data[(y * width + x) * 3]! - data[(y * width + x + 1) * 3]!);
      assert.ok(diff > 0, `tile at ${tx},${ty} is flat`);
    }
  }
});

test('placeFace keeps the turned face inside the scene at any spot, and refuses a face that cannot fit', () => {
  for (const spot of [{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 0.3, y: 0.9 }]) {
    const scene = { ...createScene(1), spot };
    for (const angle of [0, Math.PI / 9]) {
      const placement = placeFace(scene, 200, angle, 200);
      for (const corner of [{ x: 0, y: 0 }, { x: 200, y: 0 }, { x: 0, y: 200 }, { x: 200, y: 200 }]) {
        const p = toScene(corner, placement);
        assert.ok(p.x >= -1e-9 && p.x <= 640 + 1e-9 && p.y >= -1e-9 && p.y <= 480 + 1e-9, `corner at ${p.x},${p.y}`);
      }
    }
  }
  assert.throws(() => placeFace(createScene(1), 500, 0, 200), ArgumentError);
});

test('toScene: the crop centre goes to the placement centre, the crop scaled and turned around it', () => {
  const placement = { centre: { x: 300, y: 200 }, size: 100, angle: Math.PI / 2, cropSize: 200 };
  assert.deepEqual(toScene({ x: 100, y: 100 }, placement), { x: 300, y: 200 });
  // a quarter turn clockwise (y down): the crop's right goes down
  const right = toScene({ x: 200, y: 100 }, placement);
  assert.ok(Math.abs(right.x - 300) < 1e-9 && Math.abs(right.y - 250) < 1e-9, JSON.stringify(right));
});
