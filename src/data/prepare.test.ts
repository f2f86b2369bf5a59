import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, writeFile, copyFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkRows, prepareShards } from './prepare.js';
import { openDataset, readDataset } from './readers/index.js';
import { splitDataset } from './splits.js';
import { readManifest, streamShards } from './shards.js';
import { DEFAULT_MARGIN } from '../image/align.js';
import type { LabelledRow } from '../core/types.js';

const utkface = resolve(fileURLToPath(import.meta.url), '../../../../shared/datasets/utkface');

test('chunks are deterministic, complete, and mix ages even when file names start with the age', () => {
  const rows: LabelledRow[] = Array.from({ length: 1000 }, (_, i) => ({ path: `${10 + (i % 80)}_0_0_${String(i).padStart(17, '0')}.jpg`, age: 10 + (i % 80) }));
  const chunks = chunkRows(rows, 100);
  assert.equal(chunks.length, 10);
  assert.deepEqual(chunkRows([...rows].reverse(), 100), chunks, 'the same rows give the same shards in any order');
  assert.equal(new Set(chunks.flat().map((r) => r.path)).size, 1000);
  for (const chunk of chunks) {
    const ages = chunk.map((r) => r.age);
    assert.ok(Math.max(...ages) - Math.min(...ages) > 60, 'each shard spans most ages');
  }
});

test('prepare on real UTKFace faces: crops, rejects by reason, and a rerun after a kill redoes only the lost shard', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-prepare-'));
  try {
    const src = join(dir, 'src');
    const out = join(dir, 'out');
    await import('node:fs/promises').then((fs) => fs.mkdir(src));
    const names = (await readdir(utkface)).filter((n) => n.endsWith('.jpg')).sort().filter((_, i) => i % 1500 === 0);
    for (const name of names) await copyFile(join(utkface, name), join(src, name));
    const bad = `30_1_0_${'1'.repeat(17)}.jpg.chip.jpg`;
    await writeFile(join(src, bad), 'this is not a JPEG');
    const { rows } = await readDataset(openDataset(src, 'utkface'));
    const split = splitDataset(rows, { seed: 1 });
    const input = rows.map((r) => ({ ...r, split: split.splitOf(r.path)! }));
    const options = { out, format: 'utkface', source: src, seed: 1, shardSize: 4, workers: 2, spec: { size: 64, margin: DEFAULT_MARGIN, source: 'detect' as const, detectorMode: 'crop' as const } };

    const first = await prepareShards(input, options);
    assert.equal(first.index.complete, true);
    assert.equal(first.index.count + (first.index.rejects.not_an_image ?? 0) + (first.index.rejects.no_face ?? 0), names.length + 1);
    assert.equal(first.index.rejects.not_an_image, 1, 'the text file is rejected as not an image');
    const manifests = (await readdir(out)).filter((n) => /^shard-\d{5}\.json$/.test(n)).sort();
    assert.equal(manifests.length, Math.ceil(input.length / 4));

    // a kill in the middle of shard 1: its manifest never got written
    const lost = await readManifest(out, 1);
    await rm(join(out, 'shard-00001.json'));
    const second = await prepareShards(input, options);
    assert.equal(second.skippedShards, manifests.length - 1);
    assert.equal(second.processedRows, lost.rows.train.length + lost.rows.val.length + lost.rows.test.length + lost.rejects.length);
    assert.equal(second.index.count, first.index.count, 'no face is lost or duplicated');
    assert.deepEqual(await readManifest(out, 1), lost);

    let faces = 0;
    for (const s of ['train', 'val', 'test'] as const) {
      for await (const batch of streamShards(out, { split: s, batchSize: 8 })) {
        faces += batch.count;
        assert.equal(batch.size, 64);
        const mean = batch.faces.reduce((a, b) => a + b, 0) / batch.faces.length;
        assert.ok(mean > 30 && mean < 230, 'crops hold a real image, not a blank');
      }
    }
    assert.equal(faces, first.index.count);
    assert.match(await readFile(join(out, 'index.json'), 'utf8'), /"faceSource": "detect"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('prepare from a wiki.mat with face boxes (--faces box): the official metadata path, end to end', async () => {
  const { mkdir } = await import('node:fs/promises');
  const { mat, writeMat } = await import('./readers/mat-writer.js');
  const { datenum } = await import('./readers/index.js');
  const dir = await mkdtemp(join(tmpdir(), 'howold-prepare-mat-'));
  try {
    await mkdir(join(dir, '17'));
    const names = (await readdir(utkface)).filter((n) => n.endsWith('.jpg')).sort().filter((_, i) => i % 5000 === 0).slice(0, 3);
    for (const [i, name] of names.entries()) await copyFile(join(utkface, name), join(dir, '17', `${i}.jpg`));
    // three usable rows (born 1980, photographed 2010 → 30), one with no face (score -Inf), one missing file
    const rows = [...names.map((_, i) => `17/${i}.jpg`), '17/noface.jpg', '17/missing.jpg'];
    const wiki = mat.struct({
      dob: mat.double(rows.map(() => datenum(1980, 1, 1))),
      photo_taken: mat.double(rows.map(() => 2010)),
      full_path: mat.cell(rows.map((r) => mat.char(r))),
      gender: mat.double(rows.map(() => 1)),
      name: mat.cell(rows.map(() => mat.char('someone'))),
      face_location: mat.cell(rows.map(() => mat.double([51, 51, 150, 150]))),
      face_score: mat.double(rows.map((r) => (r.includes('noface') ? -Infinity : 3))),
      second_face_score: mat.double(rows.map(() => Number.NaN)),
    });
    await writeMat(join(dir, 'wiki.mat'), { wiki }, { compress: true });
    const reader = openDataset(join(dir, 'wiki.mat'), 'wiki');
    const { rows: labelled, rejects } = await readDataset(reader);
    assert.equal(rejects.byReason.no_face, 1);
    const input = labelled.map((r) => ({ ...r, split: 'train' as const }));
    const out = join(dir, 'shards');
    const result = await prepareShards(input, { out, format: 'wiki', source: dir, seed: 1, shardSize: 10, workers: 1, readerRejects: rejects.byReason, spec: { size: 48, margin: DEFAULT_MARGIN, source: 'box' } });
    assert.equal(result.index.count, names.length);
    assert.equal(result.index.rejects.no_face, 1, 'reader rejects are kept in the index');
    assert.equal((result.index.rejects.unreadable ?? 0) + (result.index.rejects.not_found ?? 0) + (result.index.rejects.missing_file ?? 0), 1, JSON.stringify(result.index.rejects));
    for await (const batch of streamShards(out, { split: 'train', batchSize: 10 })) {
      assert.deepEqual([...batch.ages], names.map(() => 30));
      assert.deepEqual([...batch.genders], names.map(() => 0), 'IMDB-WIKI gender 1 is male, stored as 0');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('one shard, 2 workers: the same faces as 1 worker, byte for byte, and crop mode chosen for UTKFace and reported', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-prepare-workers-'));
  try {
    const names = (await readdir(utkface)).filter((n) => n.endsWith('.jpg')).sort().filter((_, i) => i % 400 === 0);
    const rows = names.map((name, i) => ({ path: join(utkface, name), age: Number.parseInt(name, 10), split: (['train', 'val', 'test'] as const)[i % 3]! }));
    // no detectorMode given: prepare picks it
    const options = (out: string, workers: number) => ({ out, format: 'utkface', source: utkface, seed: 1, shardSize: 1000, workers, spec: { size: 48, margin: DEFAULT_MARGIN, source: 'detect' as const } });
    const one = await prepareShards(rows, options(join(dir, 'one'), 1));
    const two = await prepareShards(rows, options(join(dir, 'two'), 2));
    assert.ok(rows.length > 2 * 8, 'more tasks than workers, all in one shard');
    assert.equal(one.index.shards, 1);
    assert.deepEqual(one.detector, { mode: 'crop', reason: 'utkface images are face crops' });
    assert.deepEqual(two.detector, one.detector);
    assert.equal(one.index.preprocessing.detectorMode, 'crop', 'index.json records the mode');
    assert.ok(one.index.count >= rows.length - 2, `crop mode finds the UTKFace faces (${one.index.count} of ${rows.length})`);
    const files = (await readdir(join(dir, 'one'))).filter((n) => n.startsWith('shard-')).sort();
    assert.deepEqual((await readdir(join(dir, 'two'))).filter((n) => n.startsWith('shard-')).sort(), files);
    for (const name of files) {
      assert.ok((await readFile(join(dir, 'one', name))).equals(await readFile(join(dir, 'two', name))), `${name} is identical`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("--fill reflect: index.json records it, and UTKFace crops change only where they reach past the 200 px image", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-prepare-fill-'));
  try {
    const names = (await readdir(utkface)).filter((n) => n.endsWith('.jpg')).sort().filter((_, i) => i % 1500 === 0);
    const rows = names.map((name) => ({ path: join(utkface, name), age: Number.parseInt(name, 10), split: 'train' as const }));
    const size = 48;
    const faces = async (fill: 'edge' | 'reflect') => {
      const out = join(dir, fill);
      const spec = { size, margin: 1.2, align: 'landmarks' as const, fill, source: 'detect' as const, detectorMode: 'crop' as const };
      const { index } = await prepareShards(rows, { out, format: 'utkface', source: utkface, seed: 1, shardSize: 1000, workers: 1, spec });
      const all: Uint8Array[] = [];
      for await (const batch of streamShards(out, { split: 'train', batchSize: 100 })) all.push(batch.faces);
      return { index, faces: all[0]! };
    };
    const edge = await faces('edge');
    const reflect = await faces('reflect');
    assert.equal(edge.index.preprocessing.fill, 'edge');
    assert.equal(reflect.index.preprocessing.fill, 'reflect');
    assert.equal(reflect.faces.length, edge.faces.length);
    const count = edge.faces.length / (size * size * 3);
    assert.ok(count >= rows.length - 1, `${count} faces of ${rows.length}`);
    for (let f = 0; f < count; f++) {
      let inner = 0;
      let outer = 0;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const i = ((f * size + y) * size + x) * 3;
          const differs = edge.faces[i] !== reflect.faces[i] || edge.faces[i + 1] !== reflect.faces[i + 1];
          const centre = Math.abs(x - size / 2) < size / 4 && Math.abs(y - size / 2) < size / 4;
          if (differs && centre) inner++;
          if (differs && !centre) outer++;
        }
      }
      assert.equal(inner, 0, `face ${f}: the middle of the crop is inside the image either way`);
      assert.ok(outer > 0, `face ${f}: the landmark box x 1.2 reaches past the UTKFace crop`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the detector mode probe: crop for images a face fills (UTKFace read as csv), photo for group photos', async () => {
  const { chooseDetectorMode } = await import('./detector-mode.js');
  const crops = (await readdir(utkface)).filter((n) => n.endsWith('.jpg')).map((n) => join(utkface, n));
  const crop = await chooseDetectorMode('csv', crops, { sample: 6 });
  assert.deepEqual(crop, { mode: 'crop', reason: 'a face fills 6 of 6 sampled images' });
  const groups = resolve(utkface, '../group-photos');
  const photos = (await readdir(groups)).filter((n) => n.endsWith('.jpg')).map((n) => join(groups, n));
  const photo = await chooseDetectorMode('csv', [...photos, join(groups, 'missing.jpg')], { sample: 10 });
  assert.equal(photo.mode, 'photo');
  assert.match(photo.reason, /of 9 sampled images/, 'the unreadable path is left out of the count');
});
