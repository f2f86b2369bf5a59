// The ONNX engine against face-api on TF.js: the same faces, boxes and landmarks, through the shared pipeline.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HowoldError } from '../core/errors.js';
import type { DetectedFace, RgbImage } from '../core/types.js';
import { decodeImage } from '../image/decode.js';
import { createOnnxEngine } from './onnx-engine.js';
import { createFaceDetector, iou, type DetectorMode, type FaceDetector } from './index.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const datasets = path.resolve(repoRoot, '../shared/datasets');
const groupDir = path.join(datasets, 'group-photos');
const utkDir = path.join(datasets, 'utkface');

interface Parity {
  faces: number;
  minIou: number;
  maxPointError: number;
  maxScoreError: number;
}

/** Pairs each ONNX face with the TF.js face it overlaps most; the counts must agree. */
function compare(file: string, onnx: DetectedFace[], tfjs: DetectedFace[], p: Parity): void {
  assert.equal(onnx.length, tfjs.length, `${file}: ${onnx.length} faces (ONNX) against ${tfjs.length} (TF.js)`);
  for (const face of onnx) {
    const [best] = tfjs.map((other) => ({ other, v: iou(face.box, other.box) })).sort((a, b) => b.v - a.v);
    const other = best!.other;
    p.faces += 1;
    p.minIou = Math.min(p.minIou, best!.v);
    p.maxScoreError = Math.max(p.maxScoreError, Math.abs(face.score - other.score));
    face.landmarks.points!.forEach((q, i) => {
      const r = other.landmarks.points![i]!;
      p.maxPointError = Math.max(p.maxPointError, Math.hypot(q.x - r.x, q.y - r.y));
    });
  }
}

describe('ONNX engine against TF.js (face-api)', () => {
  const detectors = new Map<string, FaceDetector>();
  const get = (engine: 'onnx' | 'tfjs', mode: DetectorMode) => detectors.get(`${engine}/${mode}`)!;
  before(async () => {
    for (const engine of ['onnx', 'tfjs'] as const) {
      for (const mode of ['photo', 'crop'] as const) detectors.set(`${engine}/${mode}`, await createFaceDetector({ engine, mode }));
    }
  });
  after(() => detectors.forEach((d) => d.dispose()));

  test('the default engine is ONNX', () => {
    assert.match(get('onnx', 'photo').engine, /^onnxruntime-(node|web)$/, get('onnx', 'photo').note ?? '');
    assert.equal(get('tfjs', 'photo').engine, 'tfjs');
  });

  async function parity(t: { diagnostic(message: string): void }, what: string, mode: DetectorMode, images: Array<[string, RgbImage]>): Promise<void> {
    const p: Parity = { faces: 0, minIou: 1, maxPointError: 0, maxScoreError: 0 };
    for (const [file, image] of images) compare(file, await get('onnx', mode).detect(image), await get('tfjs', mode).detect(image), p);
    t.diagnostic(
      `${what}: ${p.faces} faces, min IoU ${p.minIou.toFixed(6)}, max landmark distance ${p.maxPointError.toExponential(1)} px, ` +
        `max score difference ${p.maxScoreError.toExponential(1)}`,
    );
    assert.ok(p.faces > 0);
    assert.ok(p.minIou >= 0.9, `min IoU ${p.minIou}`);
    assert.ok(p.maxPointError <= 1, `landmarks up to ${p.maxPointError} px apart`);
  }

  test('group photos, photo mode: same faces, IoU >= 0.9, landmarks within 1 px', async (t) => {
    const files = readdirSync(groupDir).filter((f) => f.endsWith('.jpg')).sort();
    const images = await Promise.all(files.map(async (f) => [f, await decodeImage(path.join(groupDir, f))] as [string, RgbImage]));
    await parity(t, 'group photos', 'photo', images);
  });

  test('UTKFace crops, crop mode and photo mode (close-up passes)', async (t) => {
    const files = readdirSync(utkDir).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 500 === 0);
    const images = await Promise.all(files.map(async (f) => [f, await decodeImage(path.join(utkDir, f))] as [string, RgbImage]));
    await parity(t, `${images.length} UTKFace crops, crop mode`, 'crop', images);
    await parity(t, '8 of them, photo mode', 'photo', images.filter((_, i) => i % 5 === 0));
  });
});

test('an ONNX engine that cannot load says why', async () => {
  await assert.rejects(createOnnxEngine(path.join(repoRoot, 'no-such-folder')), (err: unknown) => {
    assert.ok(err instanceof HowoldError);
    assert.equal(err.code, 'engine_unavailable');
    assert.match(err.message, /ONNX detector cannot load/);
    return true;
  });
});

test('without onnxruntime the detector falls back to TF.js and says so', async () => {
  process.env.HOWOLD_DISABLE_ONNXRUNTIME = '1';
  try {
    const detector = await createFaceDetector({ mode: 'crop' });
    try {
      assert.equal(detector.engine, 'tfjs');
      assert.match(detector.note ?? '', /HOWOLD_DISABLE_ONNXRUNTIME.*TF\.js/);
    } finally {
      detector.dispose();
    }
  } finally {
    delete process.env.HOWOLD_DISABLE_ONNXRUNTIME;
  }
});
