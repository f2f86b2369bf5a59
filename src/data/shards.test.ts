import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedShards, readShardIndex, streamShards, writeIndex, writeShard, type PreparedFace } from './shards.js';
import type { SplitName } from '../core/types.js';

const SIZE = 4;

function makeFaces(shard: number, n: number): PreparedFace[] {
  const splits: SplitName[] = ['train', 'train', 'train', 'val', 'test'];
  return Array.from({ length: n }, (_, i) => {
    const id = shard * 1000 + i;
    // every pixel of a face holds its id (mod 256) so the test can check pixels travel with their labels
    return { path: `img-${id}.jpg`, age: id % 90, gender: i % 2 ? 'female' : 'male', split: splits[i % 5]!, pixels: new Uint8Array(SIZE * SIZE * 3).fill(id % 256) };
  });
}

const base = { source: 'mem', format: 'test', size: SIZE, preprocessing: { margin: 1, align: 'eyes' as const, faceSource: 'detect', size: SIZE }, seed: 1 };

test('shards round-trip: every face of a split comes out exactly once, with its own pixels and labels', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-shards-'));
  try {
    for (let s = 0; s < 3; s++) await writeShard(dir, s, SIZE, makeFaces(s, 50), s === 1 ? [{ path: 'bad.jpg', reason: 'no_face' }] : []);
    const index = await writeIndex(dir, base, 3);
    assert.equal(index.count, 150);
    assert.deepEqual(index.splits, { train: 90, val: 30, test: 30 });
    assert.deepEqual(index.rejects, { no_face: 1 });
    assert.equal(index.complete, true);
    assert.equal((await readShardIndex(dir)).count, 150);

    const seen = new Map<string, number>();
    for await (const batch of streamShards(dir, { split: 'train', batchSize: 16, shuffle: true, seed: 7, bufferSize: 20 })) {
      assert.ok(batch.count <= 16);
      for (let i = 0; i < batch.count; i++) {
        const path = batch.paths[i]!;
        const id = Number(/img-(\d+)/.exec(path)![1]);
        assert.equal(batch.faces[i * SIZE * SIZE * 3], id % 256, 'pixels belong to their row');
        assert.equal(batch.ages[i], id % 90);
        seen.set(path, (seen.get(path) ?? 0) + 1);
      }
    }
    assert.equal(seen.size, 90);
    assert.ok([...seen.values()].every((n) => n === 1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('shuffling is seeded: same seed same order, other seed other order; limit stops early', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-shards-'));
  try {
    for (let s = 0; s < 2; s++) await writeShard(dir, s, SIZE, makeFaces(s, 40), []);
    const order = async (seed: number) => {
      const paths: string[] = [];
      for await (const b of streamShards(dir, { split: 'train', batchSize: 8, seed, bufferSize: 30 })) paths.push(...b.paths);
      return paths;
    };
    const a = await order(3);
    assert.deepEqual(await order(3), a);
    assert.notDeepEqual(await order(4), a);
    let n = 0;
    for await (const b of streamShards(dir, { split: 'train', batchSize: 5, limit: 12 })) n += b.count;
    assert.equal(n, 12);
    const val: string[] = [];
    for await (const b of streamShards(dir, { split: 'val', batchSize: 100 })) val.push(...b.paths);
    assert.deepEqual(val, [...val].sort((x, y) => Number(x.slice(4, -4)) - Number(y.slice(4, -4))), 'val is read in order, unshuffled');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a shard without its manifest (killed mid-write) does not count as finished', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-shards-'));
  try {
    await writeShard(dir, 0, SIZE, makeFaces(0, 10), []);
    await writeShard(dir, 1, SIZE, makeFaces(1, 10), []);
    await rm(join(dir, 'shard-00001.json'));
    assert.deepEqual([...(await finishedShards(dir))], [0]);
    const index = await writeIndex(dir, base, 2);
    assert.equal(index.complete, false);
    assert.equal(index.count, 10);
    assert.ok((await readdir(dir)).every((name) => !name.includes('.tmp-')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a folder that is not prepared shards gives a one-line error naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-shards-'));
  try {
    await assert.rejects(readShardIndex(dir), (err: Error) => err.message.startsWith(dir) && /howold data prepare/.test(err.message));
    await assert.rejects(async () => {
      for await (const _ of streamShards(dir, { batchSize: 2 })) break;
    }, /no finished shards/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('shard numbers past 99,999 (100 million rows in 1,000-row shards) count as finished', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-shards-big-'));
  try {
    await writeShard(dir, 7, SIZE, makeFaces(7, 2), []);
    await writeShard(dir, 100_000, SIZE, makeFaces(100_000, 2), []);
    assert.deepEqual([...(await finishedShards(dir))].sort((a, b) => a - b), [7, 100_000]);
    assert.ok((await readdir(dir)).includes('shard-100000.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
