import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgeGroup } from '../core/age-group.js';
import { HowoldError } from '../core/errors.js';
import { groupMetrics, groupScheme, type GroupPrediction } from './groups.js';

const g = (label: string) => parseAgeGroup(label)!;

test('group metrics on a hand-computed example: accuracy, within one group, years outside, signed error by group and gender', () => {
  const predictions: GroupPrediction[] = [
    { truthGroup: g('0-2'), age: 1.2, truthGender: 'female', gender: 'female' }, // in; -0.3 from middle 1.5
    { truthGroup: g('0-2'), age: 5, truthGender: 'male', gender: 'female' }, // out by 2 (the span ends at 3), in 3-9: within one; +3.5
    { truthGroup: g('3-9'), age: 14, truthGender: 'male', gender: 'male' }, // out by 4, in 10-19: within one; +7.5
    { truthGroup: g('10-19'), age: 30, truthGender: 'female', gender: 'female' }, // out by 10, in 30-39: two off; +15
    { truthGroup: g('20-29'), age: 24 }, // in; -1
    { truthGroup: g('30-39'), age: 80 }, // out by 40, in 70+: one off, as the labels use no 40-69 groups
    { truthGroup: g('70+'), age: 95 }, // in; +20 from middle 75
  ];
  const m = groupMetrics(predictions);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  assert.deepEqual(m.groups, ['0-2', '3-9', '10-19', '20-29', '30-39', '70+']);
  assert.equal(m.n, 7);
  assert.equal(m.accuracy, 3 / 7);
  // the neighbours are the groups the labels use: 30-39's next group here is 70+
  assert.equal(m.withinOne, 6 / 7);
  near(m.meanYearsOutside, (0 + 2 + 4 + 10 + 0 + 40 + 0) / 7);
  near(m.meanSignedError, (-0.3 + 3.5 + 7.5 + 15 - 1 + 45 + 20) / 7);
  const young = m.byGroup['0-2']!;
  assert.deepEqual([young.n, young.accuracy, young.withinOne, young.meanYearsOutside, young.middle], [2, 0.5, 1, 1, 1.5]);
  near(young.meanSignedError, (-0.3 + 3.5) / 2);
  assert.equal(m.byGroup['70+']!.middle, 75);
  assert.equal(m.byGroup['70+']!.meanSignedError, 20);
  assert.deepEqual(Object.keys(m.byGender!), ['female', 'male']);
  assert.equal(m.byGender!.female!.n, 2);
  assert.equal(m.byGender!.male!.accuracy, 0);
  assert.equal(m.byGender!.male!.withinOne, 1);
  assert.equal(m.genderAccuracy, 3 / 4);
  assert.equal(m.byRace, undefined);
});

test('by race when the labels give one', () => {
  const m = groupMetrics([
    { truthGroup: g('20-29'), age: 25, race: 'Black' },
    { truthGroup: g('20-29'), age: 35, race: 'Black' },
    { truthGroup: g('20-29'), age: 22, race: 'East Asian' },
  ]);
  assert.deepEqual(Object.keys(m.byRace!), ['Black', 'East Asian']);
  assert.equal(m.byRace!.Black!.accuracy, 0.5);
  assert.equal(m.byRace!.Black!.meanYearsOutside, 5 / 2);
  assert.equal(m.genderAccuracy, undefined);
});

test('overlapping groups are refused: "one group off" would mean nothing', () => {
  assert.throws(
    () => groupScheme([g('10-19'), g('15-24')]),
    (err: unknown) => err instanceof HowoldError && err.code === 'overlapping_age_groups' && /10-19 and 15-24 overlap/.test(err.message),
  );
  assert.throws(() => groupScheme([g('60+'), g('70+')]), HowoldError);
  assert.deepEqual(groupScheme([g('20-29'), g('0-2'), g('20-29')]).map((x) => x.label), ['0-2', '20-29']);
});
