import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgeEstimator } from '../infer/estimator.js';
import { evaluate, sampleRows } from './evaluate.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const utkface = resolve(repo, '../shared/datasets/utkface');

function labelledFolder(): { dir: string; good: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'howold-eval-'));
  const good = readdirSync(utkface).filter((n) => n.endsWith('.jpg')).sort().filter((_, i) => i % 3000 === 0);
  for (const name of good) copyFileSync(join(utkface, name), join(dir, name));
  writeFileSync(join(dir, '30_0_0_20170101000000000.jpg.chip.jpg'), 'not a JPEG');
  writeFileSync(join(dir, '40_1_0_20170101000000001.jpg.chip.jpg'), readFileSync(join(utkface, good[0]!)).subarray(0, 2000));
  writeFileSync(join(dir, 'holiday.jpg'), readFileSync(join(utkface, good[0]!)));
  return { dir, good };
}

test('sampleRows: an evenly spread, order-independent sample', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ path: `p${String(i).padStart(3, '0')}`, age: i }));
  const a = sampleRows(rows, 10);
  assert.deepEqual(sampleRows([...rows].reverse(), 10), a);
  assert.deepEqual(a.map((r) => r.age), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  assert.equal(sampleRows(rows).length, 100);
});

test('evaluate with the shipped model: bad images are skipped and counted, bad labels rejected, the rest scored', async () => {
  const { dir, good } = labelledFolder();
  const estimator = await createAgeEstimator();
  try {
    const result = await evaluate(dir, estimator, { format: 'utkface' });
    assert.equal(result.metrics.n, good.length);
    assert.deepEqual(result.errors, { not_an_image: 1, corrupt: 1 });
    assert.deepEqual(result.rejects, { bad_filename: 1 });
    assert.equal(result.misses, 0);
    for (const p of result.predictions) {
      assert.ok(p.age >= 0 && p.age <= 100 && p.low! <= p.age && p.age <= p.high!, JSON.stringify(p));
      assert.ok(Math.abs(p.age - p.truth) < 30, `${p.path}: predicted ${p.age} for ${p.truth}`);
    }
    assert.ok(result.metrics.mae < 12, `MAE ${result.metrics.mae} on ${good.length} real faces`);
  } finally {
    await estimator.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('howold eval --json prints the keys the issue names', () => {
  const { dir } = labelledFolder();
  try {
    const out = execFileSync(process.execPath, [join(repo, 'bin/howold.js'), 'eval', dir, '--labels', 'utkface', '--limit', '3', '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const json = JSON.parse(out) as Record<string, unknown>;
    for (const key of ['n', 'misses', 'mae', 'cs5', 'byBand', 'intervalCoverage']) assert.ok(key in json, `missing ${key}`);
    const skipped = Object.values(json.errors as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal((json.n as number) + skipped, 3, 'every sampled image is either scored or counted as skipped');
    assert.equal(Object.keys(json.byBand as object).length, 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
