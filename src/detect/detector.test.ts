import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArgumentError, HowoldError } from '../core/errors.js';
import type { Box, RgbImage } from '../core/types.js';
import { decodeImage } from '../image/decode.js';
import { initBackend, tf } from '../tf/backend.js';
import { matchDetections, readFaceBoxes } from '../eval/detection.js';
import { createFaceDetector, iou, landmarkCrop, landmarksFrom68, type FaceDetector } from './index.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const groupPhotos = path.resolve(repoRoot, '../shared/datasets/group-photos');

function solid(width: number, height: number, value: number): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(value), width, height };
}

/** Deterministic noise (a linear congruential generator), so the test needs no random seed. */
function noise(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { data, width, height };
}

describe('face detector (default engine: ONNX)', () => {
  let detector: FaceDetector;
  before(async () => {
    // The ONNX engine never touches TF.js; the tensor counts below need its backend up.
    await initBackend();
    detector = await createFaceDetector();
  });
  after(() => detector.dispose());

  test('runs on onnxruntime', () => {
    assert.match(detector.engine, /^onnxruntime-(node|web)$/, detector.note ?? '');
  });

  test('group photos at the defaults: all 43 faces at IoU >= 0.4, at most 1 false positive', async (t) => {
    const truth = await readFaceBoxes(path.join(groupPhotos, 'faces.csv'));
    assert.equal(truth.size, 9);
    let annotated = 0;
    let found = 0;
    let falsePositives = 0;
    const notes: string[] = [];
    for (const [file, boxes] of truth) {
      const faces = await detector.detect(await decodeImage(path.join(groupPhotos, file)));
      const m = matchDetections(boxes, faces.map((f) => f.box));
      annotated += boxes.length;
      found += m.found;
      falsePositives += m.falsePositives;
      if (m.missed.length + m.extra.length > 0) notes.push(`${file}: ${m.missed.length} missed, ${m.extra.length} extra`);
      for (const face of faces) {
        assert.equal(face.landmarks.points?.length, 68);
        const { leftEye, rightEye, mouthLeft } = face.landmarks;
        assert.ok(leftEye.x < rightEye.x && mouthLeft.y > leftEye.y, `${file}: landmarks upright and in image order`);
      }
    }
    t.diagnostic(`recall ${found}/${annotated}, false positives ${falsePositives}; ${notes.join('; ') || 'no misses'}`);
    assert.equal(annotated, 43);
    assert.equal(found, 43, notes.join('; '));
    assert.ok(falsePositives <= 1, `${falsePositives} false positives: ${notes.join('; ')}`);
  });

  test('per-call minScore: the woman in 2008_001322 (0.45 on the image alone) is found at 0.3, missed at 0.6', async () => {
    const truth = (await readFaceBoxes(path.join(groupPhotos, 'faces.csv'))).get('2008_001322.jpg')!;
    const photo = await decodeImage(path.join(groupPhotos, '2008_001322.jpg'));
    const woman = truth.find((b) => b.x === 232 && b.y === 218)!;
    const has = (faces: { box: Box }[]) => faces.some((f) => iou(f.box, woman) >= 0.4);
    const single = await createFaceDetector({ padding: [] });
    try {
      const low = await single.detect(photo, { minScore: 0.3 });
      const high = await single.detect(photo, { minScore: 0.6 });
      assert.ok(has(low), 'found at 0.3');
      assert.ok(!has(high), 'missed at 0.6');
      assert.equal(matchDetections(truth, low.map((f) => f.box)).found, 3);
      assert.equal(matchDetections(truth, high.map((f) => f.box)).found, 2);
      assert.ok(high.every((f) => f.score >= 0.6) && low.some((f) => f.score < 0.6));
      // the detector's own setting is untouched by a call's options
      assert.equal((await single.detect(photo)).length, 2);
    } finally {
      single.dispose();
    }
    // the padded pass scores her 0.96: the default detector finds her even at 0.6
    assert.ok(has(await detector.detect(photo, { minScore: 0.6 })));
    await assert.rejects(detector.detect(photo, { minScore: 1.5 }), /Expected a number between 0 and 1 for options.minScore/);
    await assert.rejects(detector.detect(photo, { faceDetector: 'yolo' as 'ssd' }), /Expected one of ssd, tiny for options.faceDetector/);
  });

  test('TinyFaceDetector: selectable when made or per call, finds the group photos\' faces', async () => {
    const tiny = await createFaceDetector({ faceDetector: 'tiny' });
    try {
      const truth = await readFaceBoxes(path.join(groupPhotos, 'faces.csv'));
      let found = 0;
      let falsePositives = 0;
      let differs = false;
      for (const [file, boxes] of truth) {
        const photo = await decodeImage(path.join(groupPhotos, file));
        const faces = await tiny.detect(photo);
        assert.deepEqual(await detector.detect(photo, { faceDetector: 'tiny' }), faces, `${file}: per call = made so`);
        const ssd = await detector.detect(photo);
        differs ||= faces.length !== ssd.length || faces.some((f, i) => iou(f.box, ssd[i]!.box) < 0.99);
        const m = matchDetections(boxes, faces.map((f) => f.box));
        found += m.found;
        falsePositives += m.falsePositives;
        for (const face of faces) assert.equal(face.landmarks.points?.length, 68);
      }
      // measured: 38/43 with 2 false positives at its defaults (input 512, minScore 0.5); SSD finds 43
      assert.ok(found >= 35, `tiny found ${found}/43`);
      assert.ok(falsePositives <= 4, `tiny: ${falsePositives} false positives`);
      assert.ok(differs, 'tiny gives other boxes than SSD');
      await assert.rejects(createFaceDetector({ faceDetector: 'tiny', tinyInputSize: 500 }), /Expected a multiple of 32 for options.tinyInputSize/);
    } finally {
      tiny.dispose();
    }
  });

  test('no face in a blank or noise image', async () => {
    assert.deepEqual(await detector.detect(solid(320, 240, 128)), []);
    assert.deepEqual(await detector.detect(noise(256, 256)), []);
  });

  test('no tensor leaks, with either engine, in both modes, with and without faces', async () => {
    const photo = await decodeImage(path.join(groupPhotos, '2008_001009.jpg'));
    for (const engine of ['onnx', 'tfjs'] as const) {
      const photoMode = await createFaceDetector({ engine });
      const crop = await createFaceDetector({ mode: 'crop', engine });
      try {
        // Warm up first: the backend may allocate once on first use.
        await photoMode.detect(photo);
        await crop.detect(photo);
        const before = tf.memory().numTensors;
        assert.ok((await photoMode.detect(photo)).length > 0);
        await photoMode.detect(solid(64, 64, 0));
        await crop.detect(photo);
        await crop.detect(noise(100, 100));
        assert.equal(tf.memory().numTensors, before, engine);
      } finally {
        photoMode.dispose();
        crop.dispose();
      }
    }
  });

  test('argument checks and dispose', async () => {
    await assert.rejects(detector.detect({ data: new Uint8Array(10), width: 4, height: 4 }), ArgumentError);
    await assert.rejects(createFaceDetector({ mode: 'fast' as 'crop' }), /Expected one of photo, crop for options.mode/);
    await assert.rejects(createFaceDetector({ minScore: 1.5 }), ArgumentError);
    await assert.rejects(createFaceDetector({ padding: [0.5, -1] }), /Expected a number between 0.01 and 2 for options.padding\[1\]/);
    await assert.rejects(createFaceDetector({ engine: 'gpu' as 'onnx' }), /Expected one of onnx, tfjs for options.engine/);
    const other = await createFaceDetector({ mode: 'crop', maxFaces: 1 });
    await other.dispose();
    await other.dispose(); // a second call does nothing
    await assert.rejects(other.detect(solid(8, 8, 0)), (err: unknown) => err instanceof HowoldError && err.code === 'disposed' && /FaceDetector has been disposed/.test(err.message));
    // The first detector still works: the shared weights stay loaded while anyone uses them.
    assert.deepEqual(await detector.detect(solid(32, 32, 0)), []);
  });
});

test('landmarksFrom68 names the iBUG 300-W points', () => {
  const points = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i }));
  const lm = landmarksFrom68(points);
  assert.deepEqual(lm.leftEye, { x: 38.5, y: 77 });
  assert.deepEqual(lm.rightEye, { x: 44.5, y: 89 });
  assert.deepEqual(lm.nose, { x: 30, y: 60 });
  assert.deepEqual(lm.mouthLeft, { x: 48, y: 96 });
  assert.deepEqual(lm.mouthRight, { x: 54, y: 108 });
  assert.throws(() => landmarksFrom68(points.slice(1)), ArgumentError);
});

test('landmarkCrop clips a box to the image and rounds down as face-api does', () => {
  assert.deepEqual(landmarkCrop({ x: 2.7, y: 3.2, width: 10.9, height: 8.5 }, 100, 100), { x: 2, y: 3, width: 10, height: 8 });
  // Past the left edge: starts at 0 and keeps what is inside; past the bottom: cut at the edge.
  assert.deepEqual(landmarkCrop({ x: -3.5, y: 2.7, width: 20, height: 10 }, 15, 12), { x: 0, y: 2, width: 15, height: 9 });
  assert.equal(landmarkCrop({ x: 20, y: 0, width: 5, height: 5 }, 15, 12), undefined);
});

test('disposing the last detector frees the weights; a new one loads them again', async () => {
  await initBackend();
  const baseline = tf.memory().numTensors;
  const detector = await createFaceDetector({ mode: 'crop', engine: 'tfjs' });
  assert.ok(tf.memory().numTensors > baseline);
  assert.deepEqual(await detector.detect(solid(50, 50, 200)), []);
  detector.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  const onnx = await createFaceDetector({ mode: 'crop' });
  onnx.dispose();
  const again = await createFaceDetector({ mode: 'crop' });
  try {
    assert.match(again.engine, /^onnxruntime-(node|web)$/);
    assert.deepEqual(await again.detect(solid(50, 50, 200)), []);
  } finally {
    again.dispose();
  }
});
