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

test('testSplitManifest: the test rows of every shard, paths resolved, readable as a csv-format dataset, with UTKFace\'s race from the name', async () => {
  const images = path.join(dir, 'images');
  mkdirSync(images);
  const face = (name: string, age: number, split: PreparedFace['split']): PreparedFace => {
    writeFileSync(path.join(images, name), 'x');
    return { path: `images/${name}`, age, split, gender: 'female', pixels: new Uint8Array(2 * 2 * 3) };
  };
  const shards = path.join(dir, 'shards');
  // UTKFace names: <age>_<gender>_<race>_<timestamp>, race 1 Black, 3 Indian; the last is not a UTKFace name
  const [b, d] = ['31_1_1_20170109150557335.jpg.chip.jpg', '52_1_3_20170119165031415.jpg.chip.jpg'];
  await writeShard(shards, 0, 2, [face('a.jpg', 20, 'train'), face(b, 31, 'test')], []);
  await writeShard(shards, 1, 2, [face('c.jpg', 40, 'val'), face(d, 52, 'test'), face('e.jpg', 7, 'test')], []);
  await writeIndex(shards, { source: 'images', format: 'utkface', size: 2, preprocessing: { margin: 2, align: 'eyes', faceSource: 'detect', size: 2 }, seed: 1 }, 2);
  const split = await testSplitManifest(shards, dir, dir);
  assert.ok(split);
  assert.deepEqual([split.count, split.format], [3, 'utkface']);
  const lines = readFileSync(split.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; age: number });
  assert.deepEqual(lines.map((l) => [path.relative(dir, l.path), l.age]), [[`images/${b}`, 31], [`images/${d}`, 52], ['images/e.jpg', 7]]);
  const { rows } = await readDataset(openDataset(split.file, 'csv'));
  assert.deepEqual(rows.map((r) => [path.basename(r.path), r.age, r.gender, r.race]), [
    [b, 31, 'female', 'Black'],
    [d, 52, 'female', 'Indian'],
    ['e.jpg', 7, 'female', undefined],
  ]);
  assert.equal(await testSplitManifest(images, dir), undefined, 'not a shard folder');
});
