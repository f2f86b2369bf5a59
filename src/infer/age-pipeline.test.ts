import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../core/errors.js';
import { probabilityUnder } from './age-pipeline.js';

test('probabilityUnder: the mass of the whole-year ages below T; T is checked', () => {
  const distribution = Array.from({ length: 101 }, (_, age) => (age === 16 ? 0.25 : age === 17 ? 0.25 : age === 18 ? 0.5 : 0));
  assert.equal(probabilityUnder({ distribution }, 18), 0.5);
  assert.equal(probabilityUnder({ distribution }, 17), 0.25);
  assert.equal(probabilityUnder({ distribution }, 19), 1);
  assert.equal(probabilityUnder({ distribution: Float32Array.from(distribution) }, 18), 0.5);
  assert.equal(probabilityUnder({ distribution }, 0), 0);
  assert.equal(probabilityUnder({ distribution }, 500), 1);
  for (const bad of [Number.NaN, -1, '18' as unknown as number]) assert.throws(() => probabilityUnder({ distribution }, bad), ArgumentError);
  assert.throws(() => probabilityUnder({} as { distribution: number[] }, 18), ArgumentError);
});
