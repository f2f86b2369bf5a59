import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../core/errors.js';
import type { DetectedFace, Point } from '../core/types.js';
import { matchFace, modeConsistency, robustnessSummary, summariseCondition, type ConditionSummary, type FaceOutcome } from './robustness.js';
import type { Placement } from './scenes.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

/** A face with its eyes-mouth centre at `centre` and face scale `scale` (eye to mouth), upright. */
function faceAt(centre: Point, scale: number): DetectedFace {
  const eyeY = centre.y - scale / 2;
  const mouthY = centre.y + scale / 2;
  const half = scale * 0.4;
  return {
    box: { x: centre.x - scale, y: centre.y - scale, width: 2 * scale, height: 2 * scale },
    score: 0.9,
    landmarks: {
      leftEye: { x: centre.x - half, y: eyeY },
      rightEye: { x: centre.x + half, y: eyeY },
      nose: { x: centre.x, y: centre.y },
      mouthLeft: { x: centre.x - half, y: mouthY },
      mouthRight: { x: centre.x + half, y: mouthY },
    },
  };
}

test('matchFace: the detection at the pasted face, of about its size; none when no detection is', () => {
  const placement: Placement = { centre: { x: 300, y: 200 }, size: 122.5, angle: 0, cropSize: 200 };
  // the face centre of a UTKFace crop is at 98/200 of it: 1.2 px up and left of the placement centre here
  const expected = { x: 300 - 1.225, y: 200 - 1.225 };
  const scale = 122.5 / 2.45;
  const far = faceAt({ x: 100, y: 100 }, scale);
  const here = faceAt({ x: expected.x + 5, y: expected.y - 3 }, scale * 1.1);
  const nearer = faceAt({ x: expected.x + 1, y: expected.y }, scale * 0.9);
  assert.equal(matchFace([far, here], placement), 1);
  assert.equal(matchFace([here, far, nearer], placement), 2, 'the closest of two candidates');
  assert.equal(matchFace([far], placement), undefined);
  assert.equal(matchFace([], placement), undefined);
  // right place, wrong size: a small face in the middle of the pasted one is not it
  assert.equal(matchFace([faceAt(expected, scale / 3)], placement), undefined);
  assert.equal(matchFace([faceAt(expected, scale * 3)], placement), undefined);
  // a quarter of the crop side away is the limit
  assert.equal(matchFace([faceAt({ x: expected.x + 122.5 / 4 - 0.5, y: expected.y }, scale)], placement), 0);
  assert.equal(matchFace([faceAt({ x: expected.x + 122.5 / 4 + 0.5, y: expected.y }, scale)], placement), undefined);
});

const outcome = (face: number, truth: number, age?: number, reference?: number, falsePositives = 0): FaceOutcome => ({
  face,
  truth,
  falsePositives,
  ...(age === undefined ? {} : { age, low: age - 5, high: age + 5 }),
  ...(reference === undefined ? {} : { reference }),
});

test('summariseCondition: MAE and signed error overall and by decade, no-face share, false positives, face-api on the same faces', () => {
  const outcomes = [
    outcome(0, 5, 8, 4), // +3, face-api -1
    outcome(1, 25, 20, 27, 2), // -5, face-api +2; two false positives
    outcome(2, 27, 33, 30), // +6, face-api +3
    outcome(3, 40), // not found
  ];
  const s = summariseCondition('blur-3', outcomes);
  assert.equal(s.condition, 'blur-3');
  assert.equal(s.faces, 4);
  assert.equal(s.found, 3);
  close(s.noFaceShare, 0.25, 'no-face share');
  close(s.falsePositivesPerPhoto, 0.5, 'false positives');
  close(s.model.mae, (3 + 5 + 6) / 3, 'MAE');
  close(s.model.meanSignedError, (3 - 5 + 6) / 3, 'signed error');
  close(s.model.cs5, 2 / 3, 'CS@5');
  close(s.model.intervalCoverage, 2 / 3, 'coverage: 27 is outside [28, 38]');
  assert.equal(s.model.byBand['0-9']!.n, 1);
  close(s.model.byBand['0-9']!.meanSignedError, 3, '0-9 signed');
  close(s.model.byBand['20-29']!.mae, 5.5, '20-29 MAE');
  close(s.model.byBand['20-29']!.meanSignedError, 0.5, '20-29 signed');
  assert.equal(s.model.byBand['40-49']!.n, 0, 'the face not found is in no decade');
  close(s.reference!.mae, 2, 'face-api MAE');
  close(s.reference!.meanSignedError, 4 / 3, 'face-api signed');
  assert.ok(Number.isNaN(s.reference!.intervalCoverage), 'face-api gives no interval');
  assert.equal(s.cleanMaeSameFaces, undefined);

  // clean MAE on the same faces: only the faces this condition found, whatever clean found besides
  const clean = [outcome(0, 5, 6, 5), outcome(1, 25, 25, 25), outcome(2, 27, 23, 26), outcome(3, 40, 50, 45)];
  const paired = summariseCondition('blur-3', outcomes, clean);
  close(paired.cleanMaeSameFaces!.model, (1 + 0 + 4) / 3, 'clean MAE, same faces');
  close(paired.cleanMaeSameFaces!.reference!, (0 + 0 + 1) / 3, 'face-api clean MAE, same faces');

  const none = summariseCondition('size-24', [outcome(0, 5), outcome(1, 30)]);
  assert.equal(none.found, 0);
  close(none.noFaceShare, 1, 'no face found');
  assert.ok(Number.isNaN(none.model.mae));
  assert.equal(none.reference, undefined);
});

function summary(condition: string, mae: number, referenceMae?: number): ConditionSummary {
  const age = { n: 10, mae, meanSignedError: 0, cs5: 0.5, intervalCoverage: 0.8, byBand: {} };
  return {
    condition,
    faces: 10,
    found: 10,
    noFaceShare: 0,
    falsePositivesPerPhoto: 0,
    model: age,
    ...(referenceMae === undefined ? {} : { reference: { ...age, mae: referenceMae } }),
  };
}

test('robustnessSummary: mean MAE over the conditions but clean, over clean; where face-api is better', () => {
  const s = robustnessSummary([summary('clean', 4, 5), summary('jpeg-20', 5, 6), summary('blur-3', 6, 5.5), summary('grayscale', 4.6, 5)]);
  close(s.cleanMae, 4, 'clean');
  close(s.meanMae, (5 + 6 + 4.6) / 3, 'mean');
  close(s.ratio, (5 + 6 + 4.6) / 3 / 4, 'ratio');
  close(s.reference!.ratio, (6 + 5.5 + 5) / 3 / 5, 'face-api ratio');
  assert.deepEqual(s.worseThanReference, ['blur-3']);
  // a condition where no face was found has no MAE and stays out of the mean
  const empty = { ...summary('size-24', Number.NaN), found: 0, model: { ...summary('x', Number.NaN).model, n: 0 } };
  close(robustnessSummary([summary('clean', 4), summary('jpeg-20', 5), empty]).ratio, 1.25, 'ratio without the empty condition');
});

test('modeConsistency: |photo − crop| and photo − crop over faces both found, and who found what', () => {
  const truth = [10, 20, 30, 40, 50];
  const crop = [12, 18, 30, undefined, 55];
  const photo = [13, 21, undefined, 41, 52];
  const c = modeConsistency(truth, crop, photo);
  assert.equal(c.n, 3);
  assert.equal(c.onlyCrop, 1);
  assert.equal(c.onlyPhoto, 1);
  close(c.meanAbsDifference, (1 + 3 + 3) / 3, 'mean |difference|');
  close(c.meanSignedDifference, (1 + 3 - 3) / 3, 'mean difference');
  close(c.maxAbsDifference, 3, 'largest');
  close(c.cropMae, (2 + 2 + 5) / 3, 'crop MAE');
  close(c.photoMae, (3 + 1 + 2) / 3, 'photo MAE');
  assert.throws(() => modeConsistency(truth, crop.slice(1), photo), ArgumentError);
});
