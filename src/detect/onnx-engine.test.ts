// The ONNX engine reads its folder through detector.json: a folder whose config is wrong or does not match its
// files fails at load with the field (an error detector.ts passes on instead of falling back to TF.js).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { HowoldError } from '../core/errors.js';
import { readDetectorConfig } from './detector-config.js';
import { createOnnxEngine } from './onnx-engine.js';
import { readDetectorFiles } from './ort-engine.js';
import { DETECTOR_MODEL_DIR } from './paths.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'howold-detector-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const shipped = JSON.parse(readFileSync(path.join(DETECTOR_MODEL_DIR, 'detector.json'), 'utf8'));

/** A copy of models/detector (without the unused int8 SSD) with `config` as its detector.json. */
function folderWith(name: string, config: unknown): string {
  const dir = path.join(scratch, name);
  cpSync(DETECTOR_MODEL_DIR, dir, { recursive: true, filter: (f) => !f.endsWith('_int8.onnx') });
  writeFileSync(path.join(dir, 'detector.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

const isError = (code: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof HowoldError, String(err));
  assert.equal(err.code, code);
  assert.match(err.message, pattern);
  return true;
};

test('readDetectorConfig reads the shipped folder; a missing one is model_not_found', async () => {
  assert.equal((await readDetectorConfig()).ssd.file, 'ssd_mobilenetv1.onnx');
  await assert.rejects(readDetectorConfig(path.join(scratch, 'absent')), isError('model_not_found', /not a detector folder \(detector.json not found\)/));
});

test('readDetectorFiles reads the files the config names and checks the anchors against it', async () => {
  const read = async (file: string) => new Uint8Array(readFileSync(path.join(DETECTOR_MODEL_DIR, file)));
  const files = await readDetectorFiles(read, 'models/detector');
  assert.equal(files.anchors.length, files.config.ssd.anchorCount * 4);
  const short = async (file: string) => ((await read(file)).subarray(0, file.endsWith('.bin') ? 16 : undefined));
  await assert.rejects(readDetectorFiles(short, 'models/detector'), isError('bad_model', /^models\/detector: ssd_mobilenetv1_anchors.bin has 16 bytes; ssd.anchorCount 5118 needs 81888$/));
  const notJson = async (file: string) => (file === 'detector.json' ? new TextEncoder().encode('{') : read(file));
  await assert.rejects(readDetectorFiles(notJson, 'models/detector'), isError('bad_model', /detector.json is not valid JSON/));
});

test('a wrong field or a newer version fails the engine with the config\'s own error, not engine_unavailable', async () => {
  const wrong = folderWith('wrong', { ...shipped, ssd: { ...shipped.ssd, anchorCount: -1 } });
  await assert.rejects(createOnnxEngine(wrong), isError('bad_model', /detector.json: ssd\.anchorCount/));
  await assert.rejects(createOnnxEngine(folderWith('newer', { ...shipped, version: 2 })), isError('unsupported_model_version', /version 2/));
});

test('a config that does not match its model file fails at load', async () => {
  const dir = folderWith('mismatch', { ...shipped, landmarks: { ...shipped.landmarks, inputSize: 96 } });
  await assert.rejects(createOnnxEngine(dir), isError('bad_model', /detector.json: landmarks\.inputSize is 96 but face_landmark_68.onnx takes 112 x 112/));
});
