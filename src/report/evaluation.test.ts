import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import type { FaceDetector } from '../detect/index.js';
import { scoreEval, type EvalResult } from '../eval/evaluate.js';
import type { AgeEstimator } from '../infer/estimator.js';
import { bestAndWorst, writeEvalReport } from './evaluation.js';
import { fakePredictions, imageSize } from './testing.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-eval-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// No model: a detector that finds nothing (so crops fall back to the whole image) and the preprocessing it needs.
const estimator = {
  preprocessing: { inputSize: 32, mean: [0, 0, 0], std: [1, 1, 1], margin: 2, align: 'eyes' },
  detector: { detect: async () => [], dispose() {} } as unknown as FaceDetector,
  meta: { name: 'fake' },
  engine: 'none',
} as unknown as AgeEstimator;

test('writeEvalReport: every section, figures at their size, galleries of the images, CSV and metrics', async () => {
  const predictions = fakePredictions(30);
  for (const [i, p] of predictions.entries()) {
    p.path = path.join(dir, `face-${i}.png`);
    await sharp({ create: { width: 40, height: 50, channels: 3, background: { r: 8 * i, g: 100, b: 200 - 5 * i } } }).png().toFile(p.path);
  }
  predictions[3]!.path = path.join(dir, 'gone.png'); // deleted since eval: left out of the gallery
  const result: EvalResult = { ...scoreEval(predictions), predictions, misses: 2, errors: { corrupt: 1 }, rejects: {} };
  const out = path.join(dir, 'report');
  const index = await writeEvalReport(result, { outDir: out, estimator, detectorMode: 'photo', source: 'fake', galleryCount: 6, tile: 48 });
  const html = readFileSync(index, 'utf8');
  for (const title of ['Predicted vs actual age', 'Best and worst predictions', 'Where the errors are']) assert.match(html, new RegExp(`<h2>${title}</h2>`));
  assert.match(html, /skipped images<\/td><td class="t">corrupt 1/);
  const expected: Record<string, [number, number]> = {
    'sorted.png': [760, 400], 'scatter.png': [480, 480], 'mae-by-band.png': [560, 340], 'mae-by-gender.png': [300, 340],
    'error-histogram.png': [560, 340], 'calibration.png': [420, 420],
  };
  for (const [file, [width, height]] of Object.entries(expected)) {
    assert.match(html, new RegExp(`<img src="${file.replace('.', '\\.')}" width="${width}" height="${height}"`));
    assert.deepEqual(await imageSize(path.join(out, file)), { width, height, format: 'png' });
  }
  const { best, worst } = bestAndWorst(predictions, 6);
  for (const [file, shown] of [['best.jpg', best], ['worst.jpg', worst]] as const) {
    const tiles = shown.filter((p) => !p.path.endsWith('gone.png')).length;
    const size = await imageSize(path.join(out, file));
    assert.equal(size.format, 'jpeg');
    assert.equal(size.width, tiles * (48 + 6) + 6, `${file}: ${tiles} tiles in one row`);
  }
  assert.equal(readFileSync(path.join(out, 'predictions.csv'), 'utf8').trim().split('\n').length, 31);
  const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as { n: number; misses: number };
  assert.deepEqual([metrics.n, metrics.misses], [30, 2]);
});

test('bestAndWorst: smallest and largest errors, never the same face twice', () => {
  const predictions = fakePredictions(7);
  const { best, worst } = bestAndWorst(predictions, 5);
  const err = (p: { age: number; truth: number }) => Math.abs(p.age - p.truth);
  assert.equal(best.length, 5);
  assert.equal(worst.length, 2);
  assert.ok(best.every((b) => !worst.includes(b)));
  assert.equal(Math.max(...predictions.map(err)), err(worst[0]!));
  assert.equal(Math.min(...predictions.map(err)), err(best[0]!));
});
