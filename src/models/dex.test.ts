import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../core/errors.js';
import { AGE_CLASSES, ageInterval, ageQuantile, ageToTarget, expectedAge } from './dex.js';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

describe('DEX head helpers', () => {
  it('expectedAge is the mean of the distribution, renormalised', () => {
    const p = new Float32Array(AGE_CLASSES);
    p[20] = 0.5;
    p[40] = 0.5;
    close(expectedAge(p), 30);
    p[20] = 1;
    p[40] = 1; // unnormalised: same answer
    close(expectedAge(p), 30);
    close(expectedAge(ageToTarget(37.25)), 37.25, 1e-5);
  });

  it('ageInterval reads quantiles, with each class spread over [k-0.5, k+0.5]', () => {
    const p = new Array(AGE_CLASSES).fill(0);
    p[30] = 1;
    const one = ageInterval(p);
    close(one.low, 29.6);
    close(one.high, 30.4);
    const wide = ageToTarget(50, { sigma: 5 });
    const { low, high } = ageInterval(wide);
    // A Gaussian's 10th-90th percentiles sit at mean -/+ 1.2816 sigma.
    close(low, 50 - 1.2816 * 5, 0.05);
    close(high, 50 + 1.2816 * 5, 0.05);
    const narrow = ageInterval(wide, 0.25, 0.75);
    assert.ok(narrow.low > low && narrow.high < high);
    close(ageQuantile(wide, 0.5), 50, 1e-4);
  });

  it('quantiles are clipped to the age range', () => {
    const p = new Array(AGE_CLASSES).fill(0);
    p[0] = 1;
    assert.deepEqual(ageInterval(p, 0, 1), { low: 0, high: 0.5 });
    const q = new Array(AGE_CLASSES).fill(0);
    q[100] = 1;
    assert.equal(ageInterval(q, 0, 1).high, 100);
  });

  it('ageToTarget: one-hot, split between neighbours for fractional ages, clipped to 0..100', () => {
    const t = ageToTarget(25);
    assert.equal(t.length, AGE_CLASSES);
    assert.equal(t[25], 1);
    assert.equal(t.reduce((a, b) => a + b, 0), 1);
    const f = ageToTarget(25.25);
    close(f[25]!, 0.75);
    close(f[26]!, 0.25);
    assert.equal(ageToTarget(-3)[0], 1);
    assert.equal(ageToTarget(130)[100], 1);
    assert.equal(ageToTarget(7, { classes: 10 })[7], 1);
  });

  it('ageToTarget: Gaussian and label smoothing sum to one and keep the mean', () => {
    const g = ageToTarget(40, { sigma: 3 });
    close(g.reduce((a, b) => a + b, 0), 1, 1e-5);
    close(expectedAge(g), 40, 1e-4);
    assert.ok(g[40]! > g[43]! && g[43]! > g[46]!);
    const s = ageToTarget(40, { smoothing: 0.1 });
    close(s[40]!, 0.9 + 0.1 / AGE_CLASSES);
    close(s[0]!, 0.1 / AGE_CLASSES);
    close(s.reduce((a, b) => a + b, 0), 1, 1e-5);
  });

  it('rejects bad arguments with one wording', () => {
    assert.throws(() => expectedAge([]), ArgumentError);
    assert.throws(() => expectedAge([0, 0]), /positive sum/);
    assert.throws(() => expectedAge([0.5, -0.1]), /Expected probabilities >= 0 for probs\[1\]/);
    assert.throws(() => ageInterval([1], 0.9, 0.1), /between 0.9 and 1 for highQ/);
    assert.throws(() => ageToTarget(Number.NaN), /for age but received NaN/);
    assert.throws(() => ageToTarget(3, { sigma: -1 }), /sigma/);
    assert.throws(() => ageToTarget(3, { smoothing: 2 }), /smoothing/);
  });
});
