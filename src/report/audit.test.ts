import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalPrediction } from '../eval/evaluate.js';
import { ageToTarget } from '../models/dex.js';
import { auditCsv, auditScore, formatAudit, labelProbability, MAX_SCORE, rankAudit } from './audit.js';

function prediction(path: string, truth: number, age: number, sigma: number): EvalPrediction {
  const distribution = Array.from(ageToTarget(age, { sigma }));
  return { path, truth, age, low: age - 1.28 * sigma, high: age + 1.28 * sigma, detected: true, distribution };
}

test('rankAudit: the label the model most confidently disputes comes first', () => {
  const rows = rankAudit([
    prediction('agrees.jpg', 30, 31, 4), // right
    prediction('unsure-far.jpg', 20, 45, 20), // far off, but the model is unsure
    prediction('confident-far.jpg', 60, 3, 1.5), // a toddler labelled 60: confident and far
    prediction('confident-near.jpg', 40, 49, 2), // 9 years off, confident
    prediction('baby-close.jpg', 1, 3, 0.8), // a small miss on a baby, within the ±2 tolerance
  ]);
  assert.deepEqual(rows.slice(0, 3).map((r) => r.path), ['confident-far.jpg', 'confident-near.jpg', 'unsure-far.jpg']);
  assert.equal(rows[0]!.score, MAX_SCORE);
  assert.ok(rows[1]!.score > 3 && rows[1]!.score < MAX_SCORE, `confident-near: ${rows[1]!.score}`);
  assert.ok(rows[2]!.score < 2, 'an unsure model disputes nothing strongly');
  assert.ok(rows.slice(3).every((r) => r.score < 0.5));
});

test('ties at the cap are broken by the size of the disagreement, then by path', () => {
  const rows = rankAudit([prediction('b.jpg', 70, 5, 1), prediction('a.jpg', 90, 5, 1), prediction('c.jpg', 70, 5, 1)]);
  assert.deepEqual(rows.map((r) => r.path), ['a.jpg', 'b.jpg', 'c.jpg']);
});

test('label probability and scores without a distribution', () => {
  const probs = ageToTarget(40);
  assert.equal(labelProbability(probs, 40), 1);
  assert.equal(labelProbability(probs, 42), 1);
  assert.equal(labelProbability(probs, 43), 0);
  // From the interval alone (normal approximation): the label inside the interval scores low, far outside high.
  const near = auditScore({ truth: 30, age: 31, low: 25, high: 37 });
  const far = auditScore({ truth: 60, age: 31, low: 25, high: 37 });
  assert.ok(near.score < 1 && far.score === MAX_SCORE);
  assert.equal(auditScore({ truth: 60, age: 31 }).score, MAX_SCORE);
  // A label past the oldest class is read as that class: 'about 100' is not disputed by a prediction of 99.
  assert.ok(auditScore(prediction('old.jpg', 115, 99, 2)).score < 0.5);
  assert.equal(auditScore(prediction('old.jpg', 115, 60, 2)).score, MAX_SCORE);
});

test('CSV and printed table', () => {
  const rows = rankAudit([prediction('/d/x, "odd".jpg', 60, 3, 1.5), { ...prediction('/d/ok.jpg', 30, 31, 4), detected: false }]);
  const csv = auditCsv(rows).trim().split('\n');
  assert.equal(csv[0], 'rank,path,label,predicted,interval,score,p_label,face_found');
  assert.match(csv[1]!, /^1,"\/d\/x, ""odd"".jpg",60,3\.0,1-5,6\.00,[\d.e-]+,yes$/);
  assert.match(csv[2]!, /,no$/);
  const text = formatAudit(rows, 2).split('\n');
  assert.equal(text.length, 3);
  assert.match(text[1]!, /^ {3}1 {2}x, "odd"\.jpg\s+60\s+3\.0\s+1-5\s+6\.00\s+<1e-6$/);
  assert.match(text[2]!, /\(no face found\)$/);
});
