import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupMiddle, groupSpan, inGroup, parseAgeGroup, yearsOutside } from './age-group.js';

test('parseAgeGroup: ranges, open groups in both spellings, and what is not a group', () => {
  assert.deepEqual(parseAgeGroup('10-19'), { label: '10-19', low: 10, high: 19 });
  assert.deepEqual(parseAgeGroup(' 0 – 2 '), { label: '0-2', low: 0, high: 2 });
  assert.deepEqual(parseAgeGroup('70+'), { label: '70+', low: 70 });
  assert.deepEqual(parseAgeGroup('more than 70'), { label: '70+', low: 70 });
  for (const bad of ['', 'abc', '19-10', '10-', '-5', '10-19-29', '1.5-3', '200+', '0-130', 'teen']) {
    assert.equal(parseAgeGroup(bad), undefined, bad);
  }
});

test('middles: the middle of the span, an open group as a decade', () => {
  assert.equal(groupMiddle(parseAgeGroup('0-2')!), 1.5);
  assert.equal(groupMiddle(parseAgeGroup('3-9')!), 6.5);
  assert.equal(groupMiddle(parseAgeGroup('10-19')!), 15);
  assert.equal(groupMiddle(parseAgeGroup('70+')!), 75);
  assert.deepEqual(groupSpan(parseAgeGroup('10-19')!), [10, 20]);
  assert.deepEqual(groupSpan(parseAgeGroup('70+')!), [70, Infinity]);
});

test('a group of whole years spans up to the next one: 10-19 holds 19.9, not 20; years outside from that span', () => {
  const teens = parseAgeGroup('10-19')!;
  assert.ok(inGroup(10, teens) && inGroup(19.99, teens));
  assert.ok(!inGroup(9.99, teens) && !inGroup(20, teens));
  assert.equal(yearsOutside(15, teens), 0);
  assert.equal(yearsOutside(19.5, teens), 0);
  assert.equal(yearsOutside(24.5, teens), 4.5);
  assert.equal(yearsOutside(7.5, teens), 2.5);
  const old = parseAgeGroup('70+')!;
  assert.ok(inGroup(100, old) && !inGroup(69.9, old));
  assert.equal(yearsOutside(100, old), 0);
  assert.equal(yearsOutside(60.5, old), 9.5);
});
