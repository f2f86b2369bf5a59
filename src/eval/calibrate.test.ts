import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageQuantile, ageToTarget, applyTemperature, expectedAge } from '../models/dex.js';
import { chooseReadout, fitTemperature, intervalCoverage, type CalibrationSample } from './calibrate.js';
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

test('chooseReadout picks the median where distributions are cut off at age 0 and the mean where they are symmetric', () => {
  // babies: a Gaussian of sigma 3 around age 1 is cut off at 0, so its mean sits above the truth and its median less so
  const babies = Array.from({ length: 60 }, (_, i) => ({ truth: 1 + (i % 3) * 0.2, distribution: ageToTarget(1 + (i % 3) * 0.2, { sigma: 3 }) }));
  const p = babies[0]!.distribution;
  assert.ok(expectedAge(p) > ageQuantile(p, 0.5), `mean ${expectedAge(p)} above median ${ageQuantile(p, 0.5)}`);
  const forBabies = chooseReadout(babies);
  assert.equal(forBabies.readout, 'median');
  assert.ok(forBabies.readoutMae.median < forBabies.readoutMae.mean);
  // adults with errors that push the median off more than the mean: a bimodal distribution whose mean is the truth
  const adults = Array.from({ length: 60 }, () => {
    const a = ageToTarget(30, { sigma: 2 });
    const b = ageToTarget(50, { sigma: 2 });
    return { truth: 40 + 20 * (0.55 - 0.5), distribution: a.map((x, k) => 0.45 * x + 0.55 * b[k]!) };
  });
  assert.equal(chooseReadout(adults).readout, 'mean');
  assert.throws(() => chooseReadout([]), /none/);
});
