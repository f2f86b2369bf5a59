// The job runner without Redis: what a queue worker thread does with a predict job, here on onnxruntime-web (as
// on a machine without onnxruntime-node), so the fallback's note reaches the worker's log once per loaded model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job } from 'bullmq';
import { DEFAULT_MODEL_DIR } from '../index.js';
import { modelKey, type JobData, type PredictJobData, type PredictJobResult } from './jobs.js';
import { createJobRunner } from './run-job.js';

// read once, when the first ONNX backend loads (backends/onnx.ts): set before anything opens a model
process.env.HOWOLD_ONNXRUNTIME = 'web';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');

function jobOf(data: PredictJobData): Job<JobData> {
  const progress: unknown[] = [];
  return { id: 'test', data, updateProgress: async (p: unknown) => void progress.push(p) } as unknown as Job<JobData>;
}

test('a predict job on onnxruntime-web: its faces, and the fallback note once however many jobs run', { timeout: 120_000 }, async () => {
  const notes: string[] = [];
  const runner = createJobRunner({ onNote: (note) => notes.push(note) });
  try {
    const model = resolve(DEFAULT_MODEL_DIR);
    const photo = join(repo, 'examples/astronaut.png');
    const data: PredictJobData = { kind: 'predict', files: [photo, join(repo, 'README.md')], names: ['astronaut.png', 'README.md'], model, modelKey: await modelKey(model), batch: 8, distribution: false, detect: {} };
    const first = (await runner.run(jobOf(data))) as PredictJobResult;
    const second = (await runner.run(jobOf(data))) as PredictJobResult;
    const [photoResult, textResult] = first.photos;
    assert.ok(photoResult && 'faces' in photoResult, 'the photo has faces');
    assert.equal(photoResult.faces.length, 1);
    assert.ok(photoResult.faces[0]!.age > 18 && photoResult.faces[0]!.age < 60, `age ${photoResult.faces[0]!.age}`);
    assert.ok(textResult && 'error' in textResult && textResult.error.code === 'not_an_image', JSON.stringify(textResult));
    assert.deepEqual(second.photos, first.photos, 'the second job reuses the loaded model and gives the same answers');
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(notes[0]!, /onnxruntime-web chosen by HOWOLD_ONNXRUNTIME=web/);
  } finally {
    await runner.dispose();
  }
});
