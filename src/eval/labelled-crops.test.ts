// eval's detect-and-crop loop, shared with the report's galleries: the model's own margin and frame, errors per
// row, and the report's crops the very faces eval scored.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import type { DetectedFace, Preprocessing } from '../core/types.js';
import { alignFace } from '../image/align.js';
import { decodeImage } from '../image/decode.js';
import type { FaceDetector } from '../detect/index.js';
import type { AgeEstimator } from '../infer/estimator.js';
import { labelledCrops as galleryCrops } from '../report/evaluation.js';
import { labelledFaceCrops } from './labelled-crops.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-crops-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const face: DetectedFace = {
  box: { x: 20, y: 20, width: 40, height: 40 },
  score: 0.9,
  landmarks: {
    leftEye: { x: 32, y: 34 },
    rightEye: { x: 48, y: 33 },
    nose: { x: 40, y: 42 },
    mouthLeft: { x: 33, y: 52 },
    mouthRight: { x: 47, y: 52 },
    points: Array.from({ length: 68 }, (_, i) => ({ x: 24 + (i % 17) * 2, y: 26 + Math.floor(i / 17) * 9 })),
  },
};

function estimatorWith(align: Preprocessing['align'], detect: () => Promise<DetectedFace[]>): AgeEstimator {
  return {
    preprocessing: { inputSize: 24, mean: [0, 0, 0], std: [1, 1, 1], margin: 1.6, align },
    detector: { detect, dispose() {} } as unknown as FaceDetector,
  } as unknown as AgeEstimator;
}

async function photo(name: string): Promise<string> {
  const file = path.join(dir, name);
  const raw = Buffer.alloc(80 * 90 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 251;
  await sharp(raw, { raw: { width: 80, height: 90, channels: 3 } }).png().toFile(file);
  return file;
}

test("crops follow the model's frame and margin; a row that cannot be read yields its error", async () => {
  const file = await photo('a.png');
  writeFileSync(path.join(dir, 'broken.jpg'), 'not a JPEG');
  const rows = [{ path: file, age: 30 }, { path: path.join(dir, 'broken.jpg'), age: 40 }];
  const image = await decodeImage(file);
  for (const align of ['eyes', 'landmarks'] as const) {
    const got = [];
    for await (const item of labelledFaceCrops(rows, estimatorWith(align, async () => [face]), 'photo')) got.push(item);
    assert.equal(got.length, 2);
    assert.equal(got[0]!.crop?.detected, true);
    assert.deepEqual(got[0]!.crop!.pixels, alignFace(image, face, { size: 24, margin: 1.6, align }));
    assert.equal(got[1]!.crop, undefined);
    assert.match(String((got[1]!.error as Error).message), /broken\.jpg/);
  }
});

test("the report's gallery crops are eval's crops: same detector, frame and margin, at the tile size", async () => {
  const file = await photo('b.png');
  const estimator = estimatorWith('landmarks', async () => [face]);
  const [tile] = await galleryCrops([{ path: file, truth: 30 }], estimator, 'photo', 48);
  const fromEval = [];
  for await (const item of labelledFaceCrops([{ path: file, age: 30 }], estimator, 'photo', 48)) fromEval.push(item.crop?.pixels);
  assert.deepEqual([tile], fromEval);
  // the frame the model was trained in (its align and margin), at the tile size: before sharing the loop, the
  // gallery framed every face by the eyes
  const image = await decodeImage(file);
  assert.deepEqual(tile, alignFace(image, face, { size: 48, margin: 1.6, align: 'landmarks' }));
  assert.notDeepEqual(tile, alignFace(image, face, { size: 48, margin: 1.6, align: 'eyes' }));
});
