import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../core/rng.js';
import { ageInterval, expectedAge } from '../models/dex.js';
import { createFaceTracker } from './track.js';

/** A distribution over 0..100 peaked at `age` (a discretised normal). */
function peaked(age: number, sd = 4): number[] {
  const p = Array.from({ length: 101 }, (_, a) => Math.exp(-((a - age) ** 2) / (2 * sd * sd)));
  const sum = p.reduce((s, v) => s + v, 0);
  return p.map((v) => v / sum);
}

test('tracker: faces keep their ids across frames by box overlap; a noisy still face is smoothed to within 1 year', () => {
  const tracker = createFaceTracker();
  const random = seededRandom(7);
  const seen: number[][] = [[], []];
  let raw: number[] = [];
  for (let frame = 0; frame < 150; frame++) {
    const jitter = () => (random() - 0.5) * 4;
    // two faces; the per-frame estimates wander +-3 years around 30 and 60
    const faces = [
      { box: { x: 100 + jitter(), y: 80 + jitter(), width: 60, height: 70 }, distribution: peaked(30 + (random() - 0.5) * 6) },
      { box: { x: 300 + jitter(), y: 90 + jitter(), width: 55, height: 66 }, distribution: peaked(60 + (random() - 0.5) * 6) },
    ];
    raw.push(expectedAge(faces[0]!.distribution));
    const tracks = tracker.update(frame % 2 ? [...faces].reverse() : faces);
    assert.deepEqual(tracks.map((t) => t.id).sort(), [1, 2]);
    for (const t of tracks) seen[t.id - 1]!.push(t.age);
    const t1 = tracks.find((t) => t.id === 1)!;
    const { low, high } = ageInterval(t1.distribution);
    assert.deepEqual([t1.low, t1.high], [low, high]);
  }
  const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
  raw = raw.slice(20);
  assert.ok(spread(raw) > 4, `the raw estimates wander (${spread(raw).toFixed(2)} years)`);
  for (const ages of seen) assert.ok(spread(ages.slice(20)) <= 2, `smoothed spread ${spread(ages.slice(20)).toFixed(2)} years`);
  assert.ok(Math.abs(seen[0]!.at(-1)! - 30) < 1.5 && Math.abs(seen[1]!.at(-1)! - 60) < 1.5, `last ages ${seen[0]!.at(-1)} ${seen[1]!.at(-1)}`);

  // a face that leaves is dropped after 5 missed frames; a new face gets a new id
  for (let i = 0; i < 6; i++) tracker.update([]);
  const [fresh] = tracker.update([{ box: { x: 10, y: 10, width: 50, height: 50 }, distribution: peaked(20) }]);
  assert.equal(fresh!.id, 3);
});
