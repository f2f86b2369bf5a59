import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageBalanceWeights } from './balance.js';

test('ageBalanceWeights: rare ages weigh more, the mean weight over the faces is 1, strength 0 is uniform', () => {
  const ages = [...Array(90).fill(25), ...Array(10).fill(15)];
  const w = ageBalanceWeights(ages, { strength: 1, classes: 101, maxWeight: 100 });
  assert.ok(w[15]! > w[25]! * 5, `15: ${w[15]}, 25: ${w[25]}`);
  const mean = ages.reduce((s, a) => s + w[a]!, 0) / ages.length;
  assert.ok(Math.abs(mean - 1) < 1e-5, `mean ${mean}`);
  const half = ageBalanceWeights(ages, { strength: 0.5, classes: 101, maxWeight: 100, window: 0 });
  assert.ok(Math.abs(half[15]! / half[25]! - Math.sqrt(91 / 11)) < 0.01, `sqrt(91 / 11), got ${half[15]! / half[25]!}`);
  const flat = ageBalanceWeights(ages, { strength: 0, classes: 101 });
  assert.ok(flat.every((x) => Math.abs(x - 1) < 1e-6));
});

test('ageBalanceWeights caps the weight and rejects a strength outside 0..1', () => {
  const ages = [...Array(999).fill(30), 80];
  const w = ageBalanceWeights(ages, { strength: 1, classes: 101, maxWeight: 4 });
  assert.equal(w[80], 4);
  assert.throws(() => ageBalanceWeights(ages, { strength: 1.5, classes: 101 }), /balance strength/);
});
