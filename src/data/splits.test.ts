import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LabelledRow, SplitName } from '../core/types.js';
import { openDataset, readDataset } from './readers/index.js';
import { AGE_BANDS, ageBand, splitDataset } from './splits.js';
import { seededRandom } from '../core/rng.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const mulberry32 = seededRandom;

function shuffled<T>(items: T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function synthetic(n: number, seed = 1): LabelledRow[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({ path: `img/${i}.jpg`, age: Math.floor(rand() * rand() * 110) }));
}

function assignment(rows: LabelledRow[], seed: number | string = 0): Map<string, SplitName> {
  const result = splitDataset(rows, { seed });
  const out = new Map<string, SplitName>();
  for (const split of ['train', 'val', 'test'] as const) for (const row of result[split]) out.set(row.path, split);
  return out;
}

describe('splits', () => {
  it('age bands by decade, 90+ together', () => {
    assert.deepEqual(
      [0, 9, 9.9, 10, 26, 89, 90, 116].map(ageBand),
      ['0-9', '0-9', '0-9', '10-19', '20-29', '80-89', '90+', '90+'],
    );
  });

  it('is deterministic, independent of row order, and changes with the seed', () => {
    const rows = synthetic(3000);
    const a = assignment(rows, 42);
    assert.deepEqual(assignment(shuffled(rows, 7), 42), a);
    assert.deepEqual(assignment([...rows].reverse(), 42), a);
    const b = assignment(rows, 43);
    const moved = rows.filter((r) => a.get(r.path) !== b.get(r.path)).length;
    assert.ok(moved > 300, `only ${moved} rows moved with another seed`);
    assert.deepEqual(assignment(rows, 'forty-two'), assignment(rows, 'forty-two'));
  });

  it('splits are disjoint and cover every row', () => {
    const rows = synthetic(2000);
    const result = splitDataset(rows);
    const seen = new Set<string>();
    for (const split of ['train', 'val', 'test'] as const) {
      for (const row of result[split]) {
        assert.equal(seen.has(row.path), false, `${row.path} in two splits`);
        seen.add(row.path);
        assert.equal(result.splitOf(row.path), split);
      }
    }
    assert.equal(seen.size, rows.length);
    assert.equal(result.splitOf('not/there.jpg'), undefined);
  });

  it('keeps the fractions within every age band', () => {
    const rows = synthetic(10_000);
    const result = splitDataset(rows, { seed: 3, fractions: { train: 0.7, val: 0.2, test: 0.1 } });
    assert.deepEqual(result.counts, { train: result.train.length, val: result.val.length, test: result.test.length });
    for (const band of AGE_BANDS) {
      const c = result.byBand[band];
      const n = c.train + c.val + c.test;
      if (n === 0) continue;
      // one row of rounding per split and band
      assert.ok(Math.abs(c.train - 0.7 * n) <= 1, `${band}: ${JSON.stringify(c)}`);
      assert.ok(Math.abs(c.val - 0.2 * n) <= 1, `${band}: ${JSON.stringify(c)}`);
      assert.ok(Math.abs(c.test - 0.1 * n) <= 1, `${band}: ${JSON.stringify(c)}`);
    }
  });

  it('keeps each subject in one split (FG-NET-like: 82 people, about 12 photos each)', () => {
    const rand = mulberry32(5);
    const rows: LabelledRow[] = [];
    for (let s = 1; s <= 82; s++) {
      const subject = String(s).padStart(3, '0');
      const start = Math.floor(rand() * 40);
      const count = 6 + Math.floor(rand() * 13);
      for (let k = 0; k < count; k++) rows.push({ path: `${subject}A${start + k * 2}.JPG`, age: start + k * 2, subject });
    }
    const result = splitDataset(rows, { seed: 11 });
    const splitsOf = new Map<string, Set<SplitName>>();
    for (const split of ['train', 'val', 'test'] as const) {
      for (const row of result[split]) {
        const set = splitsOf.get(row.subject!) ?? new Set();
        set.add(split);
        splitsOf.set(row.subject!, set);
      }
    }
    for (const [subject, set] of splitsOf) assert.equal(set.size, 1, `subject ${subject} in ${[...set].join(', ')}`);
    const share = (n: number) => n / rows.length;
    assert.ok(Math.abs(share(result.counts.train) - 0.8) < 0.1, JSON.stringify(result.counts));
    assert.ok(result.counts.val > 0 && result.counts.test > 0, JSON.stringify(result.counts));
    assert.deepEqual(
      assignment(shuffled(rows, 9), 11),
      assignment(rows, 11),
    );
    // without subject grouping people straddle splits
    const loose = splitDataset(rows, { seed: 11, bySubject: false });
    const straddling = new Set(loose.val.map((r) => r.subject)).size + new Set(loose.test.map((r) => r.subject)).size;
    assert.ok(straddling > 20);
  });

  it('rows of one image file stay together even without subjects', () => {
    const rows: LabelledRow[] = [];
    for (let i = 0; i < 300; i++) {
      rows.push({ path: `group${i}.jpg`, age: 20 + (i % 50), faceBox: { x: 0, y: 0, width: 10, height: 10 } });
      rows.push({ path: `group${i}.jpg`, age: 60 - (i % 50), faceBox: { x: 20, y: 0, width: 10, height: 10 } });
    }
    const result = splitDataset(rows, { seed: 1 });
    for (const row of result.val) assert.equal(result.test.some((r) => r.path === row.path) || result.train.some((r) => r.path === row.path), false);
  });

  it('rejects bad options with the common wording', () => {
    assert.throws(() => splitDataset([], { fractions: { train: 0.8, val: 0.1, test: 0.2 } }), /Expected fractions that add up to 1/);
    assert.throws(() => splitDataset([], { fractions: { train: -1, val: 1, test: 1 } }), /fractions\.train/);
    assert.throws(() => splitDataset([], { seed: Number.NaN }), /Expected a number or string for seed/);
  });

  it('UTKFace: 80/10/10 in every decade', async () => {
    const { rows } = await readDataset(openDataset(resolve(repoRoot, '../shared/datasets/utkface'), 'utkface'));
    const result = splitDataset(rows, { seed: 2024 });
    assert.equal(result.counts.train + result.counts.val + result.counts.test, 19_073);
    for (const band of AGE_BANDS) {
      const c = result.byBand[band];
      const n = c.train + c.val + c.test;
      assert.ok(Math.abs(c.val - 0.1 * n) <= 1 && Math.abs(c.test - 0.1 * n) <= 1, `${band}: ${JSON.stringify(c)}`);
    }
  });
});
