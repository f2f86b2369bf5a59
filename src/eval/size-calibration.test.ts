import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toEstimates } from '../infer/age-pipeline.js';
import { ageInterval, applyTemperature, faceTemperature } from '../models/dex.js';
import { fitSizeScaling, type SizedFace } from './size-calibration.js';

/** A discretised Gaussian over ages 0..100. */
function gaussian(mean: number, sd: number): number[] {
  const p = Array.from({ length: 101 }, (_, k) => Math.exp(-0.5 * ((k - mean) / sd) ** 2));
  const total = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / total);
}

/** Truths spread around 40 at evenly spaced quantiles of a Gaussian with this sd (so coverage is deterministic). */
function faces(condition: string, boxWidth: number, truthSd: number, distribution: number[]): SizedFace[] {
  const n = 200;
  // the normal quantile, by bisection on the tanh approximation of its CDF (close enough for spreading truths)
  const z = (q: number) => {
    let lo = -6;
    let hi = 6;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      const cdf = 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (mid + 0.044715 * mid ** 3)));
      if (cdf < q) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  return Array.from({ length: n }, (_, i) => ({ condition, boxWidth, truth: 40 + truthSd * z((i + 0.5) / n), distribution }));
}

test('faceTemperature widens faces below the reference width only, and leaves crops (no width) at T', () => {
  const calibration = { temperature: 2, sizeScaling: { referenceWidth: 100, exponent: 0.5, fittedOn: 'x', n: 1 } };
  assert.equal(faceTemperature(calibration, 25), 2 * 2);
  assert.equal(faceTemperature(calibration, 100), 2);
  assert.equal(faceTemperature(calibration, 400), 2);
  assert.equal(faceTemperature(calibration, undefined), 2);
  assert.equal(faceTemperature({ temperature: 2 }, 25), 2);
});

test('toEstimates gives a small face a wider interval than a large one with the same outputs; the age stays', () => {
  const raw = new Float32Array([...gaussian(30, 4), ...gaussian(30, 4)]);
  const calibration = { temperature: 1.5, readout: 'median' as const, sizeScaling: { referenceWidth: 100, exponent: 0.5, fittedOn: 'x', n: 1 } };
  const [small, large] = toEstimates({ age: raw }, 2, 101, [0.1, 0.9], calibration, [25, 150]);
  assert.ok(small!.high - small!.low > 1.3 * (large!.high - large!.low), `${small!.high - small!.low} vs ${large!.high - large!.low}`);
  assert.equal(small!.age, large!.age);
  const unscaled = toEstimates({ age: raw }, 2, 101, [0.1, 0.9], calibration)[0]!;
  assert.deepEqual([unscaled.low, unscaled.high], [large!.low, large!.high]);
});

test('fitSizeScaling finds the widening that small faces need and leaves the large ones calibrated', () => {
  const distribution = gaussian(40, 8);
  // large faces: truths spread as the distribution says; small ones: twice as far
  const data = [...faces('size-128', 120, 8, distribution), ...faces('size-32', 30, 16, distribution)];
  const fit = fitSizeScaling(data, { temperature: 1 }, [0.1, 0.9]);
  assert.ok(Math.abs(fit.byCondition['size-128']!.before - 0.8) < 0.02, `large before ${fit.byCondition['size-128']!.before}`);
  assert.ok(fit.byCondition['size-32']!.before < 0.55, `small before ${fit.byCondition['size-32']!.before}`);
  assert.ok(Math.abs(fit.byCondition['size-32']!.after - 0.8) < 0.03, `small after ${fit.byCondition['size-32']!.after}`);
  assert.ok(Math.abs(fit.byCondition['size-128']!.after - 0.8) < 0.02, `large after ${fit.byCondition['size-128']!.after}`);
  assert.ok(fit.exponent > 0 && fit.referenceWidth > 30);
});

test('fitSizeScaling undoes the scaling the distributions already went through: the same fit again', () => {
  const distribution = gaussian(40, 8);
  const raw = [...faces('size-128', 120, 8, distribution), ...faces('size-32', 30, 16, distribution)];
  const first = fitSizeScaling(raw, { temperature: 1 }, [0.1, 0.9]);
  const applied = { temperature: 1, sizeScaling: { referenceWidth: first.referenceWidth, exponent: first.exponent, fittedOn: 'x', n: raw.length } };
  const tempered = raw.map((f) => ({ ...f, distribution: Array.from(applyTemperature(f.distribution, faceTemperature(applied, f.boxWidth))) }));
  const second = fitSizeScaling(tempered, applied, [0.1, 0.9]);
  assert.deepEqual([second.referenceWidth, second.exponent], [first.referenceWidth, first.exponent]);
  assert.ok(Math.abs(second.byCondition['size-32']!.before - first.byCondition['size-32']!.after) < 1e-9);
  // the small faces' intervals were widened past the large ones'
  const small = ageInterval(tempered[200]!.distribution);
  const large = ageInterval(tempered[0]!.distribution);
  assert.ok(small.high - small.low > large.high - large.low + 5, `${small.high - small.low} vs ${large.high - large.low}`);
});

test('against a reference condition, small faces are brought to its coverage, not to the nominal share', () => {
  const distribution = gaussian(40, 8);
  // every face a little under-covered (truths spread 1.2x), small ones much more (2x)
  const data = [...faces('clean', 120, 9.6, distribution), ...faces('size-32', 30, 16, distribution)];
  const fit = fitSizeScaling(data, { temperature: 1 }, [0.1, 0.9], { reference: 'clean' });
  const clean = fit.byCondition['clean']!;
  assert.ok(clean.before < 0.75 && Math.abs(clean.after - clean.before) < 1e-9, `clean ${clean.before} -> ${clean.after}`);
  assert.ok(Math.abs(fit.byCondition['size-32']!.after - clean.before) < 0.03, `small after ${fit.byCondition['size-32']!.after}`);
  assert.throws(() => fitSizeScaling(data, { temperature: 1 }, [0.1, 0.9], { reference: 'size-64' }), /reference condition 'size-64'/);
});
