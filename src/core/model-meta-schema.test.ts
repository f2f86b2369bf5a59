import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_MODEL_DIR, readModelMeta } from './model-meta.js';
import { parseModelMeta } from './model-meta-schema.js';
import { HowoldError } from './errors.js';

const shipped = JSON.parse(readFileSync(path.join(DEFAULT_MODEL_DIR, 'howold.json'), 'utf8'));
const dir = mkdtempSync(path.join(tmpdir(), 'howold-meta-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rejects = (value: unknown, code: string, pattern: RegExp) =>
  assert.throws(() => parseModelMeta(value, 'models/x'), (err: unknown) => err instanceof HowoldError && err.code === code && pattern.test(err.message) && !err.message.includes('\n'));

test("the shipped howold.json passes the schema, calibration and readout included", () => {
  const meta = parseModelMeta(shipped, 'models/default');
  assert.equal(meta.preprocessing.inputSize, shipped.preprocessing.inputSize);
  assert.ok(meta.calibration && ['mean', 'median'].includes(meta.calibration.readout ?? 'mean'));
});

test('a wrong field is a one-line bad_model error naming the folder and the field', () => {
  const { margin: _, ...noMargin } = shipped.preprocessing;
  rejects({ ...shipped, preprocessing: noMargin }, 'bad_model', /^models\/x: howold.json: preprocessing\.margin: /);
  rejects({ ...shipped, preprocessing: { ...shipped.preprocessing, std: [256, 0, 256] } }, 'bad_model', /preprocessing\.std: std must be > 0/);
  rejects({ ...shipped, outputs: { ageClasses: 101, gender: 'yes' } }, 'bad_model', /outputs\.gender/);
  rejects({ ...shipped, calibration: { ...shipped.calibration, readout: 'mode' } }, 'bad_model', /calibration\.readout/);
  const scaling = { referenceWidth: 100, exponent: 0.4, fittedOn: 'val.json', n: 10 };
  rejects({ ...shipped, calibration: { ...shipped.calibration, sizeScaling: { ...scaling, exponent: -1 } } }, 'bad_model', /calibration\.sizeScaling\.exponent/);
  rejects({ ...shipped, calibration: { ...shipped.calibration, sizeScaling: { ...scaling, referenceWidth: 0 } } }, 'bad_model', /calibration\.sizeScaling\.referenceWidth/);
  rejects({ ...shipped, format: 'keras' }, 'bad_model', /format/);
  rejects({ ...shipped, preprocessing: { ...shipped.preprocessing, fill: 'tile' } }, 'bad_model', /preprocessing\.fill/);
  rejects('not an object', 'bad_model', /howold.json: the file: /);
});

test("preprocessing.fill: absent means 'edge' (models made before it), 'reflect' is kept", () => {
  const { fill: _, ...withoutFill } = shipped.preprocessing;
  assert.equal(parseModelMeta({ ...shipped, preprocessing: withoutFill }, 'models/x').preprocessing.fill, undefined);
  assert.equal(parseModelMeta({ ...shipped, preprocessing: { ...shipped.preprocessing, fill: 'reflect' } }, 'models/x').preprocessing.fill, 'reflect');
});

test('a howold.json from a newer howold says which version it is', () => {
  rejects({ ...shipped, version: 2 }, 'unsupported_model_version', /version 2; this howold reads version 1/);
});

test('readModelMeta checks the file it reads', async () => {
  const folder = path.join(dir, 'broken');
  cpSync(DEFAULT_MODEL_DIR, folder, { recursive: true, filter: (src) => !src.includes(`${path.sep}run`) && !src.endsWith('.onnx') && !src.endsWith('.bin') });
  writeFileSync(path.join(folder, 'howold.json'), JSON.stringify({ ...shipped, preprocessing: { ...shipped.preprocessing, align: 'sideways' } }));
  await assert.rejects(readModelMeta(folder), (err: unknown) => err instanceof HowoldError && err.code === 'bad_model' && err.message.startsWith(`${folder}: howold.json: preprocessing.align`));
});
