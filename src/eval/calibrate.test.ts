import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageToTarget, applyTemperature, expectedAge } from '../models/dex.js';
import { fitTemperature, intervalCoverage, type CalibrationSample } from './calibrate.js';
import { seededRandom } from '../core/rng.js';

/** Overconfident predictions: Gaussians of sigma 2 around a guess that is off by N(0, 5) years. */
function overconfident(n: number, seed: number): CalibrationSample[] {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, () => {
    const truth = 20 + random() * 50;
    return { truth, distribution: ageToTarget(truth + 5 * normal(), { sigma: 2 }) };
  });
}

test('applyTemperature widens (T > 1) or sharpens (T < 1) a distribution and keeps its centre', () => {
  const p = ageToTarget(40, { sigma: 3 });
  const spread = (q: ArrayLike<number>) => {
    const m = expectedAge(q);
    let v = 0;
    for (let k = 0; k < q.length; k++) v += q[k]! * (k - m) ** 2;
    return Math.sqrt(v);
  };
  assert.ok(Math.abs(spread(applyTemperature(p, 4)) - 6) < 0.1, `sqrt(4) x 3 = 6, got ${spread(applyTemperature(p, 4))}`);
  assert.ok(Math.abs(spread(applyTemperature(p, 0.25)) - 1.5) < 0.1);
  assert.ok(Math.abs(expectedAge(applyTemperature(p, 4)) - 40) < 1e-3);
  assert.throws(() => applyTemperature(p, 0), /temperature/);
});

test('fitTemperature brings an overconfident model to its nominal 80% coverage', () => {
  const fit = overconfident(600, 4);
  const before = intervalCoverage(fit, 1);
  assert.ok(before < 0.5, `overconfident: ${before}`);
  const calibration = fitTemperature(fit, { fittedOn: 'synthetic' });
  assert.ok(calibration.temperature > 2, `T ${calibration.temperature}`);
  assert.ok(Math.abs(calibration.coverageAfter - 0.8) < 0.02, `after ${calibration.coverageAfter}`);
  // and it holds on fresh samples from the same model
  const held = intervalCoverage(overconfident(600, 5), calibration.temperature);
  assert.ok(held > 0.75 && held < 0.85, `held-out ${held}`);
  assert.throws(() => fitTemperature(fit.slice(0, 10)), /at least 50/);
});
