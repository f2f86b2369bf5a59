import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageQuantile, ageToTarget } from '../models/dex.js';
import { ageBand, ageCdf, ageMetrics, formatMetrics, quantileCalibration } from './metrics.js';

test('MAE, RMSE, CS@5 and bands on a hand-computed example', () => {
  const m = ageMetrics([
    { truth: 5, age: 7, low: 3, high: 9 }, // err 2, inside
    { truth: 25, age: 35, low: 30, high: 40 }, // err 10, outside
    { truth: 28, age: 24, low: 20, high: 30 }, // err 4, inside
    { truth: 80, age: 74 }, // err 6, no interval
  ]);
  assert.equal(m.n, 4);
  assert.equal(m.mae, (2 + 10 + 4 + 6) / 4);
  assert.equal(m.rmse, Math.sqrt((4 + 100 + 16 + 36) / 4));
  assert.equal(m.cs5, 0.5);
  assert.equal(m.cs10, 1);
  assert.deepEqual(m.byBand['20-29'], { n: 2, mae: 7, meanSignedError: (10 - 4) / 2 });
  assert.deepEqual(m.byBand['70+'], { n: 1, mae: 6, meanSignedError: -6 });
  assert.equal(m.byBand['40-49']!.n, 0);
  assert.equal(m.intervalCoverage, 2 / 3);
  assert.equal(m.meanIntervalWidth, (6 + 10 + 10) / 3);
  assert.match(formatMetrics(m, 1), /misses 1[\s\S]*MAE 5.50[\s\S]*CS@5 50.0%/);
});

test('age bands: decades up to 70+', () => {
  assert.equal(ageBand(0), '0-9');
  assert.equal(ageBand(9.9), '0-9');
  assert.equal(ageBand(10), '10-19');
  assert.equal(ageBand(69), '60-69');
  assert.equal(ageBand(70), '70+');
  assert.equal(ageBand(116), '70+');
});

test('gender: MAE by gender and gender accuracy', () => {
  const m = ageMetrics([
    { truth: 30, age: 32, truthGender: 'male', gender: 'male' },
    { truth: 30, age: 20, truthGender: 'female', gender: 'male' },
  ]);
  assert.equal(m.byGender!.male!.mae, 2);
  assert.equal(m.byGender!.female!.mae, 10);
  assert.equal(m.genderAccuracy, 0.5);
});

test('ageCdf inverts ageQuantile and spreads each class over k ± 0.5', () => {
  const probs = ageToTarget(30.4, { sigma: 4 });
  for (const q of [0.1, 0.5, 0.9]) assert.ok(Math.abs(ageCdf(probs, ageQuantile(probs, q)) - q) < 1e-6);
  const onehot = ageToTarget(20);
  assert.equal(ageCdf(onehot, 19.5), 0);
  assert.equal(ageCdf(onehot, 20), 0.5);
  assert.equal(ageCdf(onehot, 20.5), 1);
});

test('quantile calibration: diagonal when truths follow the predicted distributions, shifted when the model guesses too old', () => {
  // Each prediction is uniform over 21 ages; the truths sit evenly over those ages: calibrated by construction.
  const uniform = (centre: number) => Array.from({ length: 101 }, (_, k) => (Math.abs(k - centre) <= 10 ? 1 / 21 : 0));
  const calibrated = [];
  for (let c = 20; c < 80; c++) for (let d = -10; d <= 10; d++) calibrated.push({ truth: c + d, distribution: uniform(c) });
  const points = quantileCalibration(calibrated);
  assert.deepEqual(points.map((p) => p.level), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  for (const p of points) assert.ok(Math.abs(p.observed - p.level) < 0.03, `level ${p.level}: ${p.observed}`);
  assert.equal(points[0]!.n, calibrated.length);
  const tooOld = calibrated.map((p) => ({ truth: p.truth - 5, distribution: p.distribution }));
  for (const [i, p] of quantileCalibration(tooOld).entries()) assert.ok(p.observed > points[i]!.observed);
  assert.deepEqual(quantileCalibration([{ truth: 3 }]), []);
});
