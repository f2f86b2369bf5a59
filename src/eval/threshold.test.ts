import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgeGroup } from '../core/age-group.js';
import { thresholdMetrics, truthSide, type ThresholdPrediction } from './threshold.js';

const g = (label: string) => parseAgeGroup(label)!;

test('exact ages: minors called adult and adults called minors, by P(under 18) and by the estimate', () => {
  const predictions: ThresholdPrediction[] = [
    { truth: 16, age: 19, underProbability: 0.3 }, // minor, called adult both ways
    { truth: 17, age: 18.2, underProbability: 0.55 }, // minor: adult by the estimate, minor by P
    { truth: 10, age: 12, underProbability: 0.9 }, // minor, right
    { truth: 18, age: 16, underProbability: 0.8 }, // adult called minor both ways
    { truth: 30, age: 31, underProbability: 0.01 }, // adult, right
    { truth: 45, age: 17.4, underProbability: 0.45 }, // adult: minor by the estimate, adult by P
    { truth: 25, age: 26 }, // adult, no distribution: counted by the estimate only
  ];
  const t = thresholdMetrics(predictions, 18);
  assert.deepEqual([t.years, t.minors, t.adults, t.excluded], [18, 3, 4, 0]);
  assert.deepEqual(t.byEstimate, { minorsCalledAdult: 2, minorRate: 2 / 3, adultsCalledMinor: 2, adultRate: 2 / 4 });
  assert.deepEqual(t.byProbability, { minorsCalledAdult: 1, minorRate: 1 / 3, adultsCalledMinor: 1, adultRate: 1 / 3 });
});

test('age groups: a minor only if the whole group is under T; groups across T are left out and named', () => {
  assert.equal(truthSide({ truth: 1.5, truthGroup: g('0-2') }, 18), 'minor');
  assert.equal(truthSide({ truth: 6.5, truthGroup: g('3-9') }, 18), 'minor');
  assert.equal(truthSide({ truth: 15, truthGroup: g('10-19') }, 18), undefined);
  assert.equal(truthSide({ truth: 15, truthGroup: g('10-19') }, 20), 'minor');
  assert.equal(truthSide({ truth: 15, truthGroup: g('10-19') }, 10), 'adult');
  assert.equal(truthSide({ truth: 75, truthGroup: g('70+') }, 18), 'adult');
  const t = thresholdMetrics(
    [
      { truth: 1.5, truthGroup: g('0-2'), age: 4, underProbability: 0.99 },
      { truth: 6.5, truthGroup: g('3-9'), age: 21, underProbability: 0.2 },
      { truth: 14.5, truthGroup: g('10-19'), age: 25, underProbability: 0.1 },
      { truth: 14.5, truthGroup: g('10-19'), age: 12, underProbability: 0.9 },
      { truth: 25, truthGroup: g('20-29'), age: 15, underProbability: 0.7 },
      { truth: 75, truthGroup: g('70+'), age: 70, underProbability: 0 },
    ],
    18,
  );
  assert.deepEqual([t.minors, t.adults, t.excluded, t.excludedGroups], [2, 2, 2, ['10-19']]);
  assert.deepEqual(t.byProbability, { minorsCalledAdult: 1, minorRate: 0.5, adultsCalledMinor: 1, adultRate: 0.5 });
  assert.deepEqual(t.byEstimate, t.byProbability);
});

test('no distributions at all: no probability rule; no faces: rates are NaN', () => {
  const t = thresholdMetrics([{ truth: 30, age: 40 }]);
  assert.equal(t.years, 18);
  assert.equal(t.byProbability, undefined);
  assert.ok(Number.isNaN(t.byEstimate.minorRate));
  assert.equal(t.byEstimate.adultRate, 0);
});
