import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend, tf } from '../tf/backend.js';
import { fileSystemIO, loadLayersModelFromFolder, modelFolder, registerFileSystemRouters } from './model-folder.js';
import { ageGenderModel, randomArray } from '../export/testing.js';

let dir: string;

before(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'howold-model-folder-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function predictions(model: tf.LayersModel, x: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const out = model.predict(x);
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

test('save writes model.json + weights.bin (no temp files left); load gives the same predictions', async () => {
  const model = ageGenderModel(16);
  model.setUserDefinedMetadata({ inputSize: 16 });
  const folder = join(dir, 'nested', 'model');
  const result = await model.save(fileSystemIO(folder));
  assert.ok(result.modelArtifactsInfo.weightDataBytes! > 0);
  assert.deepEqual((await readdir(folder)).sort(), ['model.json', 'weights.bin']);
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
  assert.deepEqual(json.userDefinedMetadata, { inputSize: 16 });

  const before = tf.memory().numTensors;
  const loaded = await loadLayersModelFromFolder(join(folder, 'model.json'));
  const x = tf.tensor(randomArray(2 * 16 * 16 * 3, 9), [2, 16, 16, 3]);
  assert.deepEqual(predictions(loaded, x), predictions(model, x));
  assert.deepEqual(loaded.getUserDefinedMetadata(), { inputSize: 16 });
  x.dispose();
  loaded.dispose();
  assert.equal(tf.memory().numTensors, before);

  // Saving again over the same folder replaces both files.
  await model.save(fileSystemIO(folder));
  assert.deepEqual((await readdir(folder)).sort(), ['model.json', 'weights.bin']);
});

test('file:// routers', async () => {
  registerFileSystemRouters();
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
  const url = `file://${join(dir, 'routed')}`;
  await model.save(url);
  const loaded = await tf.loadLayersModel(`${url}/model.json`);
  assert.deepEqual(loaded.getWeights()[0].arraySync(), model.getWeights()[0].arraySync());
});

test('a missing or broken model is a one-line error naming the folder', async () => {
  await assert.rejects(loadLayersModelFromFolder(join(dir, 'absent')), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'model_not_found');
    assert.match(err.message, /absent: no TF.js model here \(model.json not found\)$/);
    return true;
  });
  assert.equal(modelFolder('file:///a/b/model.json'), '/a/b');
  assert.throws(() => modelFolder(''), /Expected a non-empty string for path/);
});
