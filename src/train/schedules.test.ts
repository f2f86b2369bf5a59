import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constant, cosineDecay, createSchedule, stepDecay } from './schedules.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

describe('schedules', () => {
  it('constant', () => {
    assert.equal(constant(0.01)(1234), 0.01);
  });

  it('cosine: linear warmup, lr at the end of warmup, minLr at the end, half-way in between', () => {
    const s = cosineDecay(0.1, { totalSteps: 110, warmupSteps: 10, minLr: 0.001 });
    assert.ok(close(s(0), 0.01) && close(s(4), 0.05));
    assert.ok(close(s(10), 0.1));
    assert.ok(close(s(60), 0.001 + 0.5 * (0.1 - 0.001)));
    assert.ok(close(s(110), 0.001) && close(s(500), 0.001));
    for (let i = 11; i < 110; i++) assert.ok(s(i) <= s(i - 1));
  });

  it('step decay', () => {
    const s = stepDecay(1, { every: 10, gamma: 0.5 });
    assert.deepEqual([s(0), s(9), s(10), s(25)], [1, 1, 0.5, 0.25]);
  });

  it('from a spec', () => {
    assert.equal(createSchedule({ kind: 'constant' }, 0.3)(99), 0.3);
    assert.ok(close(createSchedule({ kind: 'cosine', totalSteps: 100 }, 1)(50), 0.5));
    assert.equal(createSchedule({ kind: 'step', every: 5 }, 1)(5), 0.1);
  });
});
