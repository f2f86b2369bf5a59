// Detection on tight, already aligned 200x200 UTKFace crops, where SSD-MobileNetV1 alone misses ~75%.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DetectedFace, Point } from '../core/types.js';
import { decodeImage } from '../image/decode.js';
import { createFaceDetector, type FaceDetector } from './index.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const utkface = path.resolve(repoRoot, '../shared/datasets/utkface');
// Every 19th file in name order: 1,000 crops, the same ones on every machine.
const sample = readdirSync(utkface).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 19 === 0).slice(0, 1000);

// Where UTKFace's alignment puts the eyes and the mouth centre (medians of the detected landmarks, 200 px crops).
const EXPECTED = { leftEye: { x: 59, y: 58 }, rightEye: { x: 136, y: 58 }, mouth: { x: 98, y: 141 } };
const TOLERANCE = 20;

function near(p: Point, q: Point): boolean {
  return Math.hypot(p.x - q.x, p.y - q.y) <= TOLERANCE;
}

/** A face with its landmarks where an aligned UTKFace crop has them: a real find, not just any box. */
function foundWithLandmarks(faces: DetectedFace[]): boolean {
  return faces.some(({ landmarks: l }) =>
    l.points?.length === 68 &&
    near(l.leftEye, EXPECTED.leftEye) &&
    near(l.rightEye, EXPECTED.rightEye) &&
    near({ x: (l.mouthLeft.x + l.mouthRight.x) / 2, y: (l.mouthLeft.y + l.mouthRight.y) / 2 }, EXPECTED.mouth));
}

describe('UTKFace crops', () => {
  let cropDetector: FaceDetector;
  let photoDetector: FaceDetector;
  before(async () => {
    cropDetector = await createFaceDetector({ mode: 'crop' });
    photoDetector = await createFaceDetector();
  });
  after(() => {
    cropDetector.dispose();
    photoDetector.dispose();
  });

  test('crop mode finds a face and its landmarks in >= 97% of a 1,000-image sample', async (t) => {
    assert.equal(sample.length, 1000);
    const started = performance.now();
    const missed: string[] = [];
    for (const file of sample) {
      const faces = await cropDetector.detect(await decodeImage(path.join(utkface, file)));
      if (!foundWithLandmarks(faces)) missed.push(file);
    }
    const rate = 1 - missed.length / sample.length;
    const ms = (performance.now() - started) / sample.length;
    t.diagnostic(`${cropDetector.engine} engine: found ${sample.length - missed.length}/${sample.length} (${(rate * 100).toFixed(1)}%), ${ms.toFixed(1)} ms per image with decode; missed: ${missed.join(' ')}`);
    assert.ok(rate >= 0.97, `found in ${(rate * 100).toFixed(1)}%`);
  });

  test('photo mode finds tight crops too (the padded SSD pass, else the close-up passes)', async (t) => {
    // 25 of the sample: SSD on the image alone finds about a quarter of these, in a grey border most.
    const files = sample.filter((_, i) => i % 40 === 0);
    let found = 0;
    for (const file of files) if (foundWithLandmarks(await photoDetector.detect(await decodeImage(path.join(utkface, file))))) found += 1;
    t.diagnostic(`photo mode: ${found}/${files.length}`);
    assert.ok(found >= files.length - 1, `found ${found} of ${files.length}`);
  });
});
