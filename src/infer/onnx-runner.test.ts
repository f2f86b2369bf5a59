import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportOnnx } from '../export/onnx.js';
import { ageGenderModel, randomArray } from '../export/testing.js';
import { initBackend, tf } from '../tf/backend.js';
import { createOnnxRunner, type ModelRunner } from './onnx-runner.js';
import { createTfjsRunner } from './tfjs-runner.js';

let dir: string;
let model: tf.LayersModel;
let onnxPath: string;

before(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'howold-runner-'));
  model = ageGenderModel(24);
  onnxPath = join(dir, 'model.onnx');
  await writeFile(onnxPath, exportOnnx(model));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function maxDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  assert.deepEqual(Object.keys(a), Object.keys(b));
  let worst = 0;
  for (const name of Object.keys(a)) {
    assert.equal(a[name].length, b[name].length);
    a[name].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[name][i]))));
  }
  return worst;
}

test('onnxruntime-node runner: shape, named outputs, batches of 1 and 5, same results as TF.js', async () => {
  const runner = await createOnnxRunner(onnxPath, { intraOpNumThreads: 1 });
  const reference = createTfjsRunner(model);
  try {
    assert.equal(runner.engine, 'onnxruntime-node');
    assert.equal(runner.inputSize, 24);
    assert.deepEqual(runner.inputShape, [24, 24, 3]);
    assert.deepEqual(runner.outputNames, ['age', 'gender']);
    assert.deepEqual(reference.outputNames, ['age', 'gender']);
    for (const batch of [1, 5]) {
      const input = randomArray(batch * 24 * 24 * 3, batch);
      const out = await runner.run(input, batch);
      assert.equal(out.age.length, batch * 101);
      assert.equal(out.gender.length, batch * 2);
      assert.ok(maxDiff(out, await reference.run(input, batch)) <= 1e-4);
    }
    await assert.rejects(runner.run(new Float32Array(10), 1), /Expected a Float32Array of 1728 values \(1 x 24 x 24 x 3\) for input/);
    await assert.rejects(runner.run(new Float32Array(0), 0), /Expected an integer >= 1 for batch/);
  } finally {
    await runner.dispose();
    await runner.dispose();
  }
  await assert.rejects(runner.run(new Float32Array(24 * 24 * 3), 1), /disposed/);
});

test('onnxruntime-web (wasm), the fallback where onnxruntime-node is not installed: same results as onnxruntime-node', async () => {
  const native = await createOnnxRunner(onnxPath);
  process.env.HOWOLD_ONNXRUNTIME = 'web';
  let wasm: ModelRunner;
  try {
    wasm = await createOnnxRunner(onnxPath);
  } finally {
    delete process.env.HOWOLD_ONNXRUNTIME;
  }
  try {
    assert.equal(native.engine, 'onnxruntime-node');
    assert.equal(wasm.engine, 'onnxruntime-web');
    assert.match(wasm.note ?? '', /onnxruntime-web/);
    const input = randomArray(3 * 24 * 24 * 3, 7);
    // concurrent runs queue on the one wasm instance
    const [a, b, c] = await Promise.all([wasm.run(input, 3), wasm.run(input, 3), native.run(input, 3)]);
    assert.ok(maxDiff(a, c) <= 1e-4, `wasm vs native ${maxDiff(a, c)}`);
    assert.equal(maxDiff(a, b), 0);
  } finally {
    await native.dispose();
    await wasm.dispose();
  }
});

test('bytes in; a missing or invalid file is a clear error', async () => {
  const runner = await createOnnxRunner(exportOnnx(model));
  await runner.dispose();
  await assert.rejects(createOnnxRunner(join(dir, 'absent.onnx')), /absent.onnx: ONNX model not found/);
  const junk = join(dir, 'junk.onnx');
  await writeFile(junk, 'not a model');
  await assert.rejects(createOnnxRunner(junk), /junk.onnx: not a usable ONNX model/);
});

test('falls back to the TF.js model when no onnxruntime loads, and says so', async () => {
  process.env.HOWOLD_DISABLE_ONNXRUNTIME = '1';
  let runner: ModelRunner;
  try {
    await assert.rejects(createOnnxRunner(onnxPath), /onnxruntime disabled by HOWOLD_DISABLE_ONNXRUNTIME/);
    runner = await createOnnxRunner(onnxPath, { fallback: async (reason) => createTfjsRunner(model, `${reason}; running the TF.js model`) });
  } finally {
    delete process.env.HOWOLD_DISABLE_ONNXRUNTIME;
  }
  assert.equal(runner.engine, 'tfjs');
  assert.match(runner.note!, /onnxruntime disabled .*; running the TF.js model/);
  const before = tf.memory().numTensors;
  const out = await runner.run(randomArray(2 * 24 * 24 * 3, 4), 2);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak per run');
  assert.equal(out.age.length, 202);
  await runner.dispose();
});
