import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { writeIndex, writeShard, type PreparedFace } from '../data/shards.js';
import { openDataset, readDataset } from '../data/readers/index.js';
import { testSplitManifest } from './split.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-split-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('testSplitManifest: the test rows of every shard, paths resolved, readable as a csv-format dataset', async () => {
  const images = path.join(dir, 'images');
  mkdirSync(images);
  const face = (name: string, age: number, split: PreparedFace['split']): PreparedFace => {
    writeFileSync(path.join(images, name), 'x');
    return { path: `images/${name}`, age, split, gender: 'female', pixels: new Uint8Array(2 * 2 * 3) };
  };
  const shards = path.join(dir, 'shards');
  await writeShard(shards, 0, 2, [face('a.jpg', 20, 'train'), face('b.jpg', 31, 'test')], []);
  await writeShard(shards, 1, 2, [face('c.jpg', 40, 'val'), face('d.jpg', 52, 'test'), face('e.jpg', 7, 'test')], []);
  await writeIndex(shards, { source: 'images', format: 'utkface', size: 2, preprocessing: { margin: 2, align: 'eyes', faceSource: 'detect', size: 2 }, seed: 1 }, 2);
  const split = await testSplitManifest(shards, dir, dir);
  assert.ok(split);
  assert.deepEqual([split.count, split.format], [3, 'utkface']);
  const lines = readFileSync(split.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; age: number });
  assert.deepEqual(lines.map((l) => [path.relative(dir, l.path), l.age]), [['images/b.jpg', 31], ['images/d.jpg', 52], ['images/e.jpg', 7]]);
  const { rows } = await readDataset(openDataset(split.file, 'csv'));
  assert.deepEqual(rows.map((r) => [path.basename(r.path), r.age, r.gender]), [['b.jpg', 31, 'female'], ['d.jpg', 52, 'female'], ['e.jpg', 7, 'female']]);
  assert.equal(await testSplitManifest(images, dir), undefined, 'not a shard folder');
});
