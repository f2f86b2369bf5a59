// End to end: eval --report, audit and report --photos through the CLI with the shipped model (models/default)
// on 20 UTKFace images and the group photos. HOWOLD_TEST_MODEL points them at another model folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { writeIndex, writeShard } from '../../data/shards.js';
import { DEFAULT_MODEL_DIR } from '../../infer/estimator.js';
import { writeFakeRun } from '../../report/testing.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bin = path.join(repoRoot, 'bin/howold.js');
const utkface = path.resolve(repoRoot, '../shared/datasets/utkface');
const groupPhotos = path.resolve(repoRoot, '../shared/datasets/group-photos');
const model = process.env.HOWOLD_TEST_MODEL ?? DEFAULT_MODEL_DIR;
const skip = existsSync(path.join(model, 'howold.json')) ? false : `no model at ${model}`;
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'howold-report-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every image index.html shows exists, decodes, and has the size the page gives it. */
async function checkImages(outDir: string): Promise<string[]> {
  const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
  const images = [...html.matchAll(/<img src="([^"]+)" width="(\d+)" height="(\d+)"/g)];
  assert.ok(images.length > 0);
  for (const [, file, width, height] of images) {
    const meta = await sharp(path.join(outDir, file!)).metadata();
    assert.deepEqual([meta.width, meta.height], [Number(width), Number(height)], file);
  }
  return images.map((m) => m[1]!);
}

test('howold eval --report --group-photos: figures, galleries and boxed group photos', { skip }, async () => {
  const out = path.join(dir, 'eval');
  await run(process.execPath, [bin, 'eval', utkface, '--labels', 'utkface', '--limit', '20', '--model', model, '--report', out, '--group-photos', groupPhotos], { cwd: repoRoot });
  const images = await checkImages(out);
  for (const file of ['sorted.png', 'scatter.png', 'best.jpg', 'worst.jpg', 'mae-by-band.png', 'mae-by-gender.png', 'error-histogram.png', 'calibration.png']) {
    assert.ok(images.includes(file), `${file} in the report`);
  }
  assert.equal(images.filter((f) => f.startsWith('photo-')).length, 9);
  const html = readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(html, /Photos with several faces[\s\S]*2007_007763\.jpg: \d+ faces: \d+ \(\d+-\d+\)/);
  assert.equal(readFileSync(path.join(out, 'predictions.csv'), 'utf8').trim().split('\n').length, 21);
});

test('howold audit --report: ranked CSV, gallery, the top N printed', { skip }, async () => {
  const out = path.join(dir, 'audit');
  const { stdout } = await run(process.execPath, [bin, 'audit', utkface, '--labels', 'utkface', '--limit', '20', '--top', '5', '--model', model, '--report', out], { cwd: repoRoot });
  const rows = stdout.split('\n').filter((l) => /^\s+\d+\s+\S+\.jpg/.test(l));
  assert.equal(rows.length, 5);
  const csv = readFileSync(path.join(out, 'audit.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 21);
  const scores = csv.slice(1).map((l) => Number(l.split(',')[5]));
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'ranked by score');
  assert.deepEqual(await checkImages(out), ['gallery.jpg']);
});

test('howold report --photos: any photo or folder, each face boxed with its age', { skip }, async () => {
  const out = path.join(dir, 'photos');
  const { stdout } = await run(process.execPath, [bin, 'report', '--photos', path.join(repoRoot, 'examples/astronaut.png'), '--model', model, '--out', out], { cwd: repoRoot });
  assert.equal(stdout.trim(), path.join(out, 'index.html'));
  assert.deepEqual(await checkImages(out), ['photo-astronaut.jpg']);
  assert.match(readFileSync(path.join(out, 'index.html'), 'utf8'), /astronaut\.png: 1 face: \d+ \(\d+-\d+\)/);
});

test('howold report RUNDIR --test N: learning progress, then the model on the run\'s held-out test split', { skip }, async () => {
  const runDir = path.join(dir, 'run');
  await writeFakeRun(runDir, { epochs: 2 });
  const shards = path.join(dir, 'shards');
  const names = readdirSync(utkface).filter((n) => n.endsWith('.jpg')).sort().filter((_, i) => i % 1500 === 0).slice(0, 12);
  const faces = names.map((name, i) => ({
    path: path.join(utkface, name), age: Number(name.split('_')[0]), split: i % 3 === 0 ? ('train' as const) : ('test' as const), pixels: new Uint8Array(12),
  }));
  await writeShard(shards, 0, 2, faces, []);
  await writeIndex(shards, { source: utkface, format: 'utkface', size: 2, preprocessing: { margin: 2, align: 'eyes', faceSource: 'detect', size: 2 }, seed: 1 }, 1);
  writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ version: 1, config: { model: 'tiny-test', epochs: 2, data: shards } }));
  const out = path.join(dir, 'run-report');
  await run(process.execPath, [bin, 'report', runDir, '--test', '100', '--model', model, '--out', out], { cwd: repoRoot });
  const images = await checkImages(out);
  for (const file of ['monitor.png', 'curves.png', 'sorted.png', 'best.jpg', 'calibration.png']) assert.ok(images.includes(file), file);
  const html = readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(html, /test: 8 of the 8 held-out test faces/);
  assert.equal(readFileSync(path.join(out, 'predictions.csv'), 'utf8').trim().split('\n').length, 9);
});
