import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgeEstimator, evaluate } from '../index.js';
import { sampleRows } from './evaluate.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const utkface = resolve(repo, '../shared/datasets/utkface');
const fairface = resolve(repo, '../shared/datasets/fairface');

/** The first `perGroup` FairFace images of every age group, as `file,age_group,gender` rows. */
function fairfaceRows(perGroup: number): string[][] {
  const rows = readFileSync(join(fairface, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const taken = new Map<string, number>();
  return rows.filter(([, group]) => {
    const n = taken.get(group!) ?? 0;
    taken.set(group!, n + 1);
    return n < perGroup;
  });
}

/** A FairFace-style folder: real images, their labels, one bad age group and one missing image. */
function fairfaceFolder(perGroup: number): { dir: string; good: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'howold-eval-fairface-'));
  const good = fairfaceRows(perGroup);
  for (const [file] of good) copyFileSync(join(fairface, file!), join(dir, file!));
  copyFileSync(join(fairface, good[0]![0]!), join(dir, 'extra.jpg'));
  const lines = ['file,age_group,gender', ...good.map((r) => r.join(',')), 'extra.jpg,20-ish,Male', 'gone.jpg,30-39,Female'];
  writeFileSync(join(dir, 'labels.csv'), `${lines.join('\n')}\n`);
  return { dir, good };
}

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
    // the fairness card's race breakdown comes from the file names
    const races = Object.entries(result.metrics.byRace ?? {});
    assert.ok(races.length >= 2, JSON.stringify(result.metrics.byRace));
    assert.ok(races.every(([race]) => ['White', 'Black', 'Asian', 'Indian', 'Others'].includes(race)));
    assert.equal(races.reduce((n, [, b]) => n + b.n, 0), result.metrics.n);
    assert.equal(result.groups, undefined);
    assert.equal(result.threshold.minors + result.threshold.adults, result.metrics.n);
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

test('evaluate on real FairFace images with the shipped model: group metrics, no-face share, rejects, threshold', async () => {
  const { dir, good } = fairfaceFolder(2);
  const estimator = await createAgeEstimator();
  const rejected: string[] = [];
  try {
    const result = await evaluate(dir, estimator, { format: 'fairface', onReject: (row) => rejected.push(`${row.path} ${row.reason}`) });
    assert.deepEqual(result.rejects, { bad_age_group: 1 });
    assert.deepEqual(rejected, [`${join(dir, 'labels.csv')}:20 bad_age_group`]);
    assert.deepEqual(result.errors, { unreadable: 1 }, 'gone.jpg');
    assert.equal(result.images, good.length);
    const g = result.groups!;
    assert.equal(g.n + result.misses, good.length, 'every image is scored or counted as having no face');
    assert.equal(result.noFaceShare, result.misses / good.length);
    assert.ok(result.misses <= 4, `${result.misses} of ${good.length} with no face`);
    assert.deepEqual(g.groups, ['0-2', '3-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70+']);
    assert.equal(g.byGroup['70+']!.middle, 75);
    assert.ok(g.withinOne >= 0.6 && g.withinOne >= g.accuracy, `within one ${g.withinOne}, in group ${g.accuracy}`);
    assert.ok(g.meanYearsOutside < 8, `${g.meanYearsOutside} years outside`);
    assert.ok(g.genderAccuracy! >= 0.5, `gender ${g.genderAccuracy}`);
    assert.deepEqual(Object.keys(g.byGender!), ['female', 'male']);
    assert.equal(g.byRace, undefined, 'the sample has no race column');
    assert.equal(result.metrics.n, 0, 'no exact ages to score');
    const scored = result.predictions.filter((p) => p.detected);
    const t = result.threshold;
    assert.equal(t.excludedGroups.join(), '10-19');
    assert.equal(t.minors + t.adults + t.excluded, scored.length);
    assert.equal(t.minors, scored.filter((p) => p.truthGroup!.high! <= 9).length);
    for (const p of result.predictions) assert.ok(p.underProbability! >= 0 && p.underProbability! <= 1);
  } finally {
    await estimator.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('howold eval on a CSV manifest with age_group: --json, --markdown, and the bad row named on stderr', () => {
  const { dir } = fairfaceFolder(1);
  try {
    const manifest = join(dir, 'manifest.csv');
    const rows = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
    writeFileSync(manifest, `path,age_group,gender\n${rows.join('\n')}\n`);
    const run = (...extra: string[]) =>
      spawnSync(process.execPath, [join(repo, 'bin/howold.js'), 'eval', manifest, '--labels', 'csv', ...extra], { encoding: 'utf8' });
    const json = run('--json', '--under', '10');
    assert.equal(json.status, 0, json.stderr);
    assert.match(json.stderr, new RegExp(`howold eval: ${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:11: age group '20-ish' is not like 0-2, 10-19 or 70\\+ \\(whole years 0-120\\) \\(bad_age_group\\); skipped\n`));
    const out = JSON.parse(json.stdout) as Record<string, any>;
    for (const key of ['images', 'misses', 'noFaceShare', 'groups', 'threshold', 'rejects']) assert.ok(key in out, `missing ${key}`);
    assert.equal(out.images, 9);
    assert.deepEqual(out.rejects, { bad_age_group: 1 });
    assert.equal(out.groups.n + out.misses, 9);
    for (const key of ['accuracy', 'withinOne', 'meanYearsOutside', 'genderAccuracy', 'byGroup', 'byGender']) assert.ok(key in out.groups, `groups.${key}`);
    // T = 10: 0-2 and 3-9 are minors, 10-19 and older adults, nothing left out
    assert.equal(out.threshold.years, 10);
    assert.equal(out.threshold.excluded, 0);
    assert.equal(out.threshold.minors + out.threshold.adults, out.groups.n);

    const md = run('--markdown', '--title', 'FairFace, one per group');
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /^### FairFace, one per group\n\n`howold eval .*manifest\.csv --labels csv`\n/);
    assert.match(md.stdout, /\| age group \| n \| in group \| within one \| years outside \| middle \| signed error \|/);
    assert.match(md.stdout, /\| gender \| n \| in group/);
    assert.match(md.stdout, /faces in 10-19 are left out: the group spans 18/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
