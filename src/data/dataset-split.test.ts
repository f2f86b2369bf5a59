import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readDatasetSplit } from './dataset-split.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const utkface = path.join(repoRoot, '../shared/datasets/utkface');

test("readDatasetSplit gives the model card's UTKFace split from any working directory", async () => {
  const split = await readDatasetSplit(utkface, 'utkface', { seed: 1, base: repoRoot });
  // data prepare's counts before detection: the model card's 15,227 / 1,898 / 1,903 plus the faces it rejected
  assert.deepEqual([split.train.length, split.val.length, split.test.length], [15260, 1904, 1909]);
  assert.ok(split.test.every((row) => path.isAbsolute(row.path) && row.path.startsWith(utkface)));
  // the same rows whatever the source's spelling: relative to the caller, or absolute
  const relative = await readDatasetSplit(path.relative(process.cwd(), utkface) || '.', 'utkface', { base: repoRoot });
  assert.deepEqual(relative.test.map((r) => r.path), split.test.map((r) => r.path));
  // the split is keyed by the path as prepare saw it: another base is another split
  const elsewhere = await readDatasetSplit(utkface, 'utkface', { seed: 1, base: path.join(repoRoot, 'src') });
  assert.notDeepEqual(elsewhere.test.map((r) => r.path), split.test.map((r) => r.path));
  const other = await readDatasetSplit(utkface, 'utkface', { seed: 2, base: repoRoot });
  assert.notDeepEqual(other.test.map((r) => r.path), split.test.map((r) => r.path));
});
