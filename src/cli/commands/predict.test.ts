import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { createAgeEstimator, type AgeEstimator } from '../../index.js';
import { expandInputs, runPredict, type FileEntry, type PredictSummary } from './predict.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const astronaut = path.join(repoRoot, 'examples/astronaut.png');
const groupPhotos = path.resolve(repoRoot, '../shared/datasets/group-photos');
const dir = mkdtempSync(path.join(tmpdir(), 'howold-predict-'));
// HOWOLD_MODEL lets a developer point the CLI at another model; unset (CI), this is the shipped models/default.
const model = process.env.HOWOLD_MODEL;
let estimator: AgeEstimator;

before(async () => {
  estimator = await createAgeEstimator(model ? { model } : undefined);
});
after(async () => {
  await estimator?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function collect(): { text: string; write(s: string): void } {
  return { text: '', write(s: string) { this.text += s; } };
}

/** A folder with one good photo, a text file named like a JPEG, a truncated JPEG and a README that is skipped. */
async function mixedFolder(): Promise<string> {
  const folder = path.join(dir, 'mixed');
  mkdirSync(path.join(folder, 'sub'), { recursive: true });
  copyFileSync(astronaut, path.join(folder, 'sub', 'astronaut.png'));
  writeFileSync(path.join(folder, 'notes.jpg'), 'not a photo, just text\n');
  writeFileSync(path.join(folder, 'README.txt'), 'skipped: not an image extension\n');
  const jpeg = await sharp(astronaut).jpeg({ quality: 90 }).toBuffer();
  writeFileSync(path.join(folder, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
  return folder;
}

test('expandInputs: files as given, folders recursively to images, globs, and what matched nothing', async () => {
  const folder = await mixedFolder();
  const { files, missing } = await expandInputs([folder, path.join(folder, 'README.txt'), `${groupPhotos}/2008_00100*.jpg`, path.join(dir, 'nothing-here')]);
  assert.deepEqual(
    files.map((f) => path.relative(dir, f)),
    ['mixed/cut.jpg', 'mixed/notes.jpg', 'mixed/sub/astronaut.png', 'mixed/README.txt', path.relative(dir, path.join(groupPhotos, '2008_001009.jpg'))],
  );
  assert.deepEqual(missing, [path.join(dir, 'nothing-here')]);
});

test('predict: the example photo gives one face with a plausible age inside its interval', async () => {
  const out = collect();
  const err = collect();
  const summary = await runPredict([astronaut], { progress: false }, out, err, estimator);
  assert.deepEqual([summary.ok, summary.failed, summary.faces], [1, 0, 1]);
  const lines = out.text.trim().split('\n');
  assert.equal(lines.length, 1);
  const m = lines[0].match(/^(.+astronaut\.png)\tface 1\tbox (\d+),(\d+) (\d+)x(\d+)\tage (\d+\.\d)\t\((\d+)-(\d+)\)(\t(male|female) 0\.\d\d)?$/);
  assert.ok(m, `unexpected line: ${lines[0]}`);
  const [age, low, high] = [Number(m[6]), Number(m[7]), Number(m[8])];
  assert.ok(age >= 20 && age <= 65, `age ${age}`);
  assert.ok(low <= Math.round(age) && Math.round(age) <= high, `interval ${low}-${high} around ${age}`);
  assert.match(err.text, /howold predict: 1 file: 1 ok, 0 failed; 1 face; \d+\.\d s\n$/);
});

test('predict --json --annotate: group photos and a folder with bad files; bad ones reported and counted, others processed', async () => {
  const folder = await mixedFolder();
  const annotated = path.join(dir, 'annotated');
  const out = collect();
  const err = collect();
  const summary = await runPredict([folder, groupPhotos], { json: true, annotate: annotated, batch: 3, progress: false }, out, err, estimator);

  const doc = JSON.parse(out.text) as { files: FileEntry[]; summary: PredictSummary };
  const groupFiles = readdirSync(groupPhotos).filter((f) => f.endsWith('.jpg')).sort();
  assert.equal(doc.files.length, 3 + groupFiles.length);
  assert.deepEqual(doc.summary, summary);
  assert.deepEqual([summary.files, summary.ok, summary.failed], [3 + groupFiles.length, 1 + groupFiles.length, 2]);
  assert.deepEqual(summary.errors, { corrupt: 1, not_an_image: 1 });

  const byName = new Map(doc.files.map((f) => [path.basename(f.file), f]));
  assert.equal(byName.get('notes.jpg')?.error?.code, 'not_an_image');
  assert.equal(byName.get('cut.jpg')?.error?.code, 'corrupt');
  const errors = err.text.trim().split('\n').filter((l) => /^howold predict: .*\.jpg: /.test(l));
  assert.equal(errors.length, 2);
  assert.match(errors[0], /cut\.jpg: corrupt or truncated image/);
  assert.match(errors[1], /notes\.jpg: not an image/);

  let faces = 0;
  for (const name of ['astronaut.png', ...groupFiles]) {
    const entry = byName.get(name);
    assert.ok(entry?.faces && entry.faces.length >= 1, `${name}: no faces`);
    assert.ok(entry.width! > 0 && entry.height! > 0);
    for (const face of entry.faces) {
      assert.ok(face.age >= 0 && face.age <= 100);
      assert.ok(face.low <= face.age && face.age <= face.high, `${name}: ${face.low} <= ${face.age} <= ${face.high}`);
      assert.ok(face.box.x + face.box.width > 0 && face.box.x < entry.width!);
      assert.ok(face.score > 0 && face.score <= 1);
    }
    faces += entry.faces.length;
  }
  assert.equal(faces, summary.faces);
  assert.ok(faces >= 30, `${faces} faces in the group photos and the example`);

  // Annotated copies: same size and format as the originals, with something drawn on them.
  assert.deepEqual(readdirSync(annotated).sort(), ['astronaut.png', ...groupFiles].sort());
  const original = await sharp(path.join(groupPhotos, groupFiles[0])).raw().toBuffer({ resolveWithObject: true });
  const drawn = await sharp(path.join(annotated, groupFiles[0])).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([drawn.info.width, drawn.info.height, (await sharp(path.join(annotated, groupFiles[0])).metadata()).format], [original.info.width, original.info.height, 'jpeg']);
  let changed = 0;
  for (let i = 0; i < original.data.length; i += 3) if (Math.abs(original.data[i] - drawn.data[i]) > 60) changed += 1;
  assert.ok(changed > 500, `${changed} pixels changed by the annotation`);
});

test('predict --csv: a header and one row per face', async () => {
  const out = collect();
  await runPredict([path.join(groupPhotos, '2008_001009.jpg'), astronaut], { csv: true, progress: false }, out, collect(), estimator);
  const [header, ...rows] = out.text.trim().split('\n');
  assert.equal(header, 'file,face,x,y,width,height,age,low,high,gender,gender_probability,score');
  assert.ok(rows.length >= 2);
  for (const row of rows) {
    const cells = row.split(',');
    assert.equal(cells.length, 12);
    assert.ok(Number(cells[1]) >= 1);
    assert.ok(Number.isFinite(Number(cells[6])));
  }
  assert.match(rows.at(-1)!, /astronaut\.png,1,/);
});

test('howold predict: exit code 0 when some files work, 1 when none do; --json on stdout, reasons on stderr', async () => {
  const bin = path.join(repoRoot, 'bin/howold.js');
  const text = path.join(dir, 'readme.jpg');
  writeFileSync(text, 'not a photo\n');
  const run = promisify(execFile);
  const ok = await run(process.execPath, [bin, 'predict', '--json', text, astronaut], { cwd: repoRoot });
  const doc = JSON.parse(ok.stdout) as { files: FileEntry[]; summary: PredictSummary };
  assert.equal(doc.files[0].error?.code, 'not_an_image');
  assert.equal(doc.files[1].faces?.length, 1);
  assert.deepEqual([doc.summary.ok, doc.summary.failed], [1, 1]);
  assert.match(ok.stderr, /howold predict: .*readme\.jpg: not an image/);

  const failed = await run(process.execPath, [bin, 'predict', text], { cwd: repoRoot }).then(
    () => assert.fail('expected exit code 1'),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, '');
  assert.match(failed.stderr, /1 file: 0 ok, 1 failed \(not_an_image 1\)/);
});

/** A 4-year-old's and a 40-year-old's UTKFace crops side by side on a grey photo: one clear child, one clear adult. */
async function childAndAdult(): Promise<string> {
  const utkface = path.resolve(repoRoot, '../shared/datasets/utkface');
  const [child, adult] = ['4_0_0_20161219192808843.jpg.chip.jpg', '40_0_0_20170104165249089.jpg.chip.jpg'].map((n) => path.join(utkface, n));
  const photo = path.join(dir, 'child-and-adult.jpg');
  await sharp({ create: { width: 520, height: 280, channels: 3, background: '#707070' } })
    .composite([{ input: child!, left: 40, top: 40 }, { input: adult!, left: 280, top: 40 }])
    .jpeg({ quality: 92 })
    .toFile(photo);
  return photo;
}

test('predict --under 18: P(under 18) per face in the text, JSON and CSV, read from the face\'s distribution', async () => {
  const photo = await childAndAdult();
  const text = collect();
  await runPredict([photo], { under: 18, progress: false }, text, collect(), estimator);
  const lines = text.text.trim().split('\n');
  assert.ok(lines.length >= 2);
  for (const line of lines) assert.match(line, /\tage \d+\.\d\t\(\d+-\d+\)(\t(male|female) 0\.\d\d)?\tP\(under 18\) [01]\.\d{3}$/);

  const json = collect();
  await runPredict([photo], { json: true, under: 18, distribution: true, progress: false }, json, collect(), estimator);
  const faces = (JSON.parse(json.text) as { files: FileEntry[] }).files[0]!.faces!;
  assert.equal(faces.length, lines.length);
  for (const [i, face] of faces.entries()) {
    assert.equal(face.under!.years, 18);
    const below = face.distribution!.slice(0, 18).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(face.under!.probability - below) < 1e-3, `${face.under!.probability} vs ${below}`);
    assert.ok(lines[i]!.endsWith(`P(under 18) ${face.under!.probability.toFixed(3)}`));
    // the estimate and P(under 18) agree on which side of 18 a clear face is
    if (face.age < 12) assert.ok(face.under!.probability > 0.5, JSON.stringify(face));
    if (face.age > 25) assert.ok(face.under!.probability < 0.5, JSON.stringify(face));
  }
  assert.ok(faces.some((f) => f.age < 12) && faces.some((f) => f.age > 25), 'the photo has a child and an adult');

  const plain = collect();
  await runPredict([photo], { json: true, progress: false }, plain, collect(), estimator);
  assert.equal((JSON.parse(plain.text) as { files: FileEntry[] }).files[0]!.faces![0]!.under, undefined, 'only on request');

  const csv = collect();
  await runPredict([photo], { csv: true, under: 18, progress: false }, csv, collect(), estimator);
  const [header, ...rows] = csv.text.trim().split('\n');
  assert.equal(header, 'file,face,x,y,width,height,age,low,high,gender,gender_probability,score,p_under_18');
  assert.deepEqual(rows.map((r) => Number(r.split(',').at(-1))), faces.map((f) => f.under!.probability));
});

test('howold predict --under: a value outside 1..100 is a one-line error', async () => {
  const run = promisify(execFile);
  for (const bad of ['0', '101', 'adult']) {
    const failed = await run(process.execPath, [path.join(repoRoot, 'bin/howold.js'), 'predict', '--under', bad, astronaut], { cwd: repoRoot }).then(
      () => assert.fail('expected a failure'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr, `howold: Expected a number between 1 and 100 for --under but received '${bad}' of type string\n`);
  }
});

test('predict --min-score and --face-detector: fewer faces at a higher threshold, TinyFaceDetector on request', async () => {
  const photo = path.join(groupPhotos, '2007_007763.jpg');
  const faces = async (flags: Parameters<typeof runPredict>[1]) => {
    const out = collect();
    await runPredict([photo], { json: true, progress: false, ...flags }, out, collect(), estimator);
    return (JSON.parse(out.text) as { files: FileEntry[] }).files[0]!.faces!;
  };
  const byDefault = await faces({});
  const strict = await faces({ minScore: 0.9 });
  const tiny = await faces({ faceDetector: 'tiny' });
  assert.equal(byDefault.length, 7);
  assert.ok(strict.length > 0 && strict.length < byDefault.length && strict.every((f) => f.score >= 0.9), `${strict.length} faces at 0.9`);
  assert.ok(tiny.length >= 5 && tiny.some((f) => byDefault.every((d) => Math.abs(d.box.x - f.box.x) > 0.5)), `${tiny.length} faces with tiny`);
});

test('howold predict: a bad --min-score or --face-detector is one line on stderr and exit code 1', async () => {
  const bin = path.join(repoRoot, 'bin/howold.js');
  const run = promisify(execFile);
  for (const [flag, value, message] of [
    ['--min-score', '1.5', /^howold: Expected a number between 0 and 1 for --min-score but received '1\.5'/],
    ['--min-score', 'high', /^howold: Expected a number between 0 and 1 for --min-score but received 'high'/],
    ['--face-detector', 'yolo', /^howold: Expected one of ssd, tiny for --face-detector but received 'yolo'/],
  ] as const) {
    const failed = await run(process.execPath, [bin, 'predict', flag, value, astronaut], { cwd: repoRoot }).then(
      () => assert.fail(`expected ${flag} ${value} to fail`),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, '');
    assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
    assert.match(failed.stderr, message);
  }
});

test('predict on a slower engine: one line on stderr says which and why; none on onnxruntime-node', async () => {
  assert.equal(estimator.engine, 'onnxruntime-node');
  assert.equal(estimator.note, undefined);
  const quiet = collect();
  await runPredict([astronaut], { progress: false }, collect(), quiet, estimator);
  assert.doesNotMatch(quiet.text, /onnxruntime/);

  process.env.HOWOLD_ONNXRUNTIME = 'web';
  let wasm: AgeEstimator;
  try {
    wasm = await createAgeEstimator(model ? { model } : undefined);
  } finally {
    delete process.env.HOWOLD_ONNXRUNTIME;
  }
  try {
    assert.equal(wasm.engine, 'onnxruntime-web');
    // the age model and the detector run on the same backend: one note, not two
    assert.equal(wasm.note, 'onnxruntime-web chosen by HOWOLD_ONNXRUNTIME=web (~4x slower than onnxruntime-node)');
    const err = collect();
    const summary = await runPredict([astronaut], { progress: false }, collect(), err, wasm);
    assert.equal(summary.ok, 1);
    const lines = err.text.trim().split('\n');
    assert.equal(lines.length, 2, err.text);
    assert.equal(lines[0], `howold predict: ${wasm.note}`);
    assert.match(lines[1]!, /^howold predict: 1 file: 1 ok/);
  } finally {
    await wasm.dispose();
  }
});
