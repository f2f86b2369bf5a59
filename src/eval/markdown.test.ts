import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgeGroup } from '../core/age-group.js';
import { scoreEval, type EvalPrediction, type EvalResult } from './evaluate.js';
import { formatEval } from './format.js';
import { evalMarkdown } from './markdown.js';

function result(predictions: EvalPrediction[]): EvalResult {
  return { ...scoreEval(predictions, 18), predictions, misses: predictions.filter((p) => !p.detected).length, errors: {}, rejects: {} };
}

const exact: EvalPrediction[] = [
  { path: 'a', truth: 20, age: 22, detected: true, truthGender: 'male', gender: 'male', race: 'White', underProbability: 0.1 },
  { path: 'b', truth: 40, age: 36, detected: true, truthGender: 'female', gender: 'male', race: 'Black', underProbability: 0 },
  { path: 'c', truth: 12, age: 19, detected: true, truthGender: 'female', gender: 'female', race: 'Black', underProbability: 0.4 },
  { path: 'd', truth: 70, age: 60, detected: false, truthGender: 'male', gender: 'male', race: 'Asian', underProbability: 0 },
];

test('fairness card for exact ages: MAE and signed error by decade, gender and race; the threshold counts', () => {
  const md = evalMarkdown(result(exact), { title: 'UTKFace test', command: 'howold eval x --labels utkface' });
  assert.match(md, /^### UTKFace test\n\n`howold eval x --labels utkface`\n\n4 images; no face found in 1 \(25\.0%\), estimated on the whole image\.\n/);
  assert.match(md, /\| faces \| MAE \| RMSE \| CS@5 \| CS@10 \| 80% interval coverage \| gender accuracy \|\n\| --- \| ---: \|/);
  assert.match(md, /\| 4 \| 5\.75 \|/);
  assert.match(md, /\| decade \| n \| MAE \| signed error \|/);
  assert.match(md, /\| 10-19 \| 1 \| 7\.00 \| \+7\.00 \|/);
  assert.match(md, /\| 70\+ \| 1 \| 10\.00 \| -10\.00 \|/);
  assert.match(md, /\| female \| 2 \| 5\.50 \| \+1\.50 \|/);
  assert.match(md, /\| race \| n \| MAE \| signed error \|\n\| --- \| ---: \| ---: \| ---: \|\n\| Asian \| 1 \| 10\.00 \| -10\.00 \|\n\| Black \| 2 \| 5\.50 \| \+1\.50 \|\n\| White \| 1 \| 2\.00 \| \+2\.00 \|/);
  assert.match(md, /\| P\(under 18\) < 0\.5 \| 1 of 1 \(100\.0%\) \| 0 of 3 \(0\.0%\) \|/);
  assert.match(md, /\| estimate >= 18 \| 1 of 1 \(100\.0%\) \| 0 of 3 \(0\.0%\) \|/);
  assert.doesNotMatch(md, /age group/);
  const text = formatEval(result(exact));
  assert.match(text, /race\s+n\s+MAE\s+signed error\nAsian\s+1\s+10\.00\s+-10\.00/);
  assert.match(text, /under 18: 1 minors, 3 adults\n  by P\(under 18\) < 0\.5: 1 of 1 minors called adult \(100\.0%\)/);
});

test('fairness card for age groups: groups with their middles, by gender, the open group explained, misses not scored', () => {
  const g = (label: string) => parseAgeGroup(label)!;
  const grouped: EvalPrediction[] = [
    { path: 'e', truth: 1.5, truthGroup: g('0-2'), age: 5, detected: true, truthGender: 'female', gender: 'female', underProbability: 0.9 },
    { path: 'f', truth: 15, truthGroup: g('10-19'), age: 15, detected: true, truthGender: 'male', gender: 'female', underProbability: 0.6 },
    { path: 'g', truth: 75, truthGroup: g('70+'), age: 66, detected: true, truthGender: 'male', gender: 'male', underProbability: 0 },
    { path: 'h', truth: 75, truthGroup: g('70+'), age: 30, detected: false, truthGender: 'male', gender: 'male', underProbability: 0 },
  ];
  const r = result(grouped);
  assert.equal(r.groups!.n, 3, 'the image with no face found is not scored');
  assert.equal(r.metrics.n, 0);
  const md = evalMarkdown(r);
  assert.match(md, /^4 images; no face found in 1 \(25\.0%\), not scored for the age groups\./);
  assert.match(md, /\| faces found \| group accuracy \| within one group \| mean years outside \| gender accuracy \|\n\| --- \| ---: \| ---: \| ---: \| ---: \|\n\| 3 \| 33\.3% \| 33\.3% \| 2\.00 \| 66\.7% \|/);
  assert.match(md, /\| 0-2 \| 1 \| 0\.0% \| 0\.0% \| 2\.00 \| 1\.5 \| \+3\.5 \|/);
  assert.match(md, /\| 70\+ \| 1 \| 0\.0% \| 0\.0% \| 4\.00 \| 75\.0 \| -9\.0 \|/);
  assert.match(md, /\| gender \| n \| in group \| within one \| years outside \| signed error \|/);
  assert.match(md, /70\+: middle 75\.0, the open group counted as ages 70 to 80/);
  assert.match(md, /1 faces in 10-19 are left out: the group spans 18\./);
  assert.doesNotMatch(md, /\| decade \|/);
  assert.match(formatEval(r), /age groups, 3 faces found: group accuracy 33\.3%   within one group 33\.3%   mean years outside the group 2\.00   gender accuracy 66\.7%/);
});
