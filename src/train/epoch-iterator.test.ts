import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaceBatch } from '../data/batch.js';
import { EpochIterator } from './epoch-iterator.js';

const batch = (count: number, tag: string): FaceBatch => ({ size: 1, count, faces: new Uint8Array(count * 3), ages: new Float32Array(count), genders: new Int8Array(count), paths: Array(count).fill(tag) });

test('a resumed epoch skips the batches already done, later epochs do not; empty batches are dropped', async () => {
  const data = (epoch: number) =>
    (async function* () {
      for (const [i, count] of [2, 0, 2, 2].entries()) yield batch(count, `${epoch}:${i}`);
    })();
  const iterator = new EpochIterator(data, { epoch: 1, batch: 2 }, 3);
  const seen: string[][] = [];
  for (const epoch of iterator.epochNumbers(() => true)) {
    const tags: string[] = [];
    for await (const b of iterator.batches(epoch)) tags.push(b.paths[0]!);
    seen.push(tags);
  }
  // epoch 1 (the resumed one) skips two batches, the empty one among them counted as done
  assert.deepEqual(seen, [['1:2', '1:3'], ['2:0', '2:2', '2:3']]);
  assert.deepEqual([...new EpochIterator(data, { epoch: 0, batch: 0 }, 5).epochNumbers(() => false)], []);
});
