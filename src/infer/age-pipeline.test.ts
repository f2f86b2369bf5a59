import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../core/errors.js';
import { probabilityUnder } from './age-pipeline.js';

test('probabilityUnder: the mass of the whole-year ages below T; T is checked', () => {
  const distribution = Array.from({ length: 101 }, (_, age) => (age === 16 ? 0.25 : age === 17 ? 0.25 : age === 18 ? 0.5 : 0));
  assert.equal(probabilityUnder({ distribution }, 18), 0.5);
  assert.equal(probabilityUnder({ distribution }, 17), 0.25);
  assert.equal(probabilityUnder({ distribution }, 19), 1);
  assert.equal(probabilityUnder({ distribution: Float32Array.from(distribution) }, 18), 0.5);
  assert.equal(probabilityUnder({ distribution }, 0), 0);
  assert.equal(probabilityUnder({ distribution }, 500), 1);
  for (const bad of [Number.NaN, -1, '18' as unknown as number]) assert.throws(() => probabilityUnder({ distribution }, bad), ArgumentError);
  assert.throws(() => probabilityUnder({} as { distribution: number[] }, 18), ArgumentError);
});

test("the estimator crops as its howold.json says: preprocessing.fill 'reflect' reaches the crops, and the ages follow", async () => {
  const { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { createAgeEstimator, DEFAULT_MODEL_DIR } = await import('../index.js');
  const { alignFace } = await import('../image/align.js');
  const { decodeImage } = await import('../image/decode.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'howold-fill-'));
  const model = path.join(dir, 'model');
  cpSync(DEFAULT_MODEL_DIR, model, { recursive: true, filter: (src) => !src.includes(`${path.sep}run`) });
  const meta = JSON.parse(readFileSync(path.join(model, 'howold.json'), 'utf8'));
  writeFileSync(path.join(model, 'howold.json'), JSON.stringify({ ...meta, preprocessing: { ...meta.preprocessing, fill: 'reflect' } }));
  const utkface = path.resolve(import.meta.dirname, '../../../shared/datasets/utkface');
  const name = readdirSync(utkface).filter((n) => n.endsWith('.jpg')).sort()[0]!;
  const image = await decodeImage(path.join(utkface, name));
  const shipped = await createAgeEstimator({ detector: { mode: 'crop' } });
  const reflect = await createAgeEstimator({ model, detector: { mode: 'crop' } });
  try {
    const a = await shipped.detectAndAlign(image);
    const b = await reflect.detectAndAlign(image);
    const spec = { size: meta.preprocessing.inputSize, margin: meta.preprocessing.margin, align: meta.preprocessing.align };
    assert.deepEqual(a.crops[0]!.data, alignFace(image, a.faces[0]!, spec).data);
    assert.deepEqual(b.crops[0]!.data, alignFace(image, b.faces[0]!, { ...spec, fill: 'reflect' }).data);
    assert.notDeepEqual(b.crops[0]!.data, a.crops[0]!.data, 'a UTKFace crop reaches past the image, so the fill shows');
    const [ageA] = await shipped(image);
    const [ageB] = await reflect(image);
    assert.notEqual(ageA!.age, ageB!.age);
  } finally {
    await shipped.dispose();
    await reflect.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
