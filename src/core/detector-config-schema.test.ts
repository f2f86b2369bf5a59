import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDetectorConfig } from './detector-config-schema.js';
import { HowoldError } from './errors.js';

const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../../models/detector/detector.json', import.meta.url)), 'utf8'));

const rejects = (value: unknown, code: string, pattern: RegExp) =>
  assert.throws(() => parseDetectorConfig(value, 'models/d'), (err: unknown) => err instanceof HowoldError && err.code === code && pattern.test(err.message) && !err.message.includes('\n'));

test('the shipped detector.json passes the schema with face-api\'s values', () => {
  const config = parseDetectorConfig(shipped, 'models/detector');
  assert.equal(config.ssd.inputSize, 512);
  assert.equal(config.ssd.anchorCount, 5118);
  assert.deepEqual(config.ssd.normalisation, { mean: [127.5, 127.5, 127.5], divisor: 127.5 });
  assert.equal(config.tiny.anchors.length, 5);
  assert.equal(config.landmarks.inputSize, 112);
});

test('a wrong field is a one-line bad_model error naming the folder and the field', () => {
  rejects({ ...shipped, ssd: { ...shipped.ssd, inputSize: '512' } }, 'bad_model', /^models\/d: detector.json: ssd\.inputSize: /);
  rejects({ ...shipped, tiny: { ...shipped.tiny, iouThreshold: 1.5 } }, 'bad_model', /tiny\.iouThreshold/);
  rejects({ ...shipped, tiny: { ...shipped.tiny, anchors: [[1, 2, 3]] } }, 'bad_model', /tiny\.anchors\.0/);
  rejects({ ...shipped, landmarks: { ...shipped.landmarks, normalisation: { mean: [1, 2, 3], divisor: 0 } } }, 'bad_model', /landmarks\.normalisation\.divisor/);
  const { file: _, ...noFile } = shipped.landmarks;
  rejects({ ...shipped, landmarks: noFile }, 'bad_model', /landmarks\.file/);
  // names are joined to the folder's path or URL: nothing outside it
  rejects({ ...shipped, ssd: { ...shipped.ssd, file: '../ssd.onnx' } }, 'bad_model', /ssd\.file: must be a file name inside the detector folder/);
  rejects({ ...shipped, format: 'howold-model' }, 'bad_model', /detector.json: format/);
  rejects(null, 'bad_model', /detector.json: the file: /);
});

test('a detector.json from a newer howold says which version it is', () => {
  rejects({ ...shipped, version: 2 }, 'unsupported_model_version', /^models\/d: detector.json is version 2; this howold reads version 1$/);
});
