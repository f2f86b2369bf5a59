// onnxruntime-node vs TF.js wasm predict on the compact CNN (64x64, random weights), batch 1 and 32, img/s.
// A measurement, not a test: run with `npm run bench:onnx`; under a minute.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { exportOnnx } from '../src/export/onnx.js';
import { compactCnn, randomArray } from '../src/export/testing.js';
import { createOnnxRunner, type ModelRunner } from '../src/infer/onnx-runner.js';
import { createTfjsRunner } from '../src/infer/tfjs-runner.js';
import { initBackend } from '../src/tf/backend.js';
import { cpuLine } from './cpu.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function imagesPerSecond(runner: ModelRunner, batch: number): Promise<number> {
  const input = randomArray(batch * 64 * 64 * 3, batch);
  for (let i = 0; i < 2; i++) await runner.run(input, batch);
  const times: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end || times.length < 3) {
    const start = performance.now();
    await runner.run(input, batch);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return (batch * 1000) / times[Math.floor(times.length / 2)];
}

const backend = await initBackend();
const model = compactCnn();
const bytes = exportOnnx(model);
const rows: [string, number, number][] = [];
for (const threads of [1, 2]) {
  const runner = await createOnnxRunner(bytes, { intraOpNumThreads: threads });
  rows.push([`onnxruntime-node (${threads} thread${threads > 1 ? 's' : ''})`, await imagesPerSecond(runner, 1), await imagesPerSecond(runner, 32)]);
  await runner.dispose();
}
const tfjs = createTfjsRunner(model);
rows.push([`TF.js ${backend} predict`, await imagesPerSecond(tfjs, 1), await imagesPerSecond(tfjs, 32)]);
await tfjs.dispose();

console.log(`CPU: ${cpuLine()}`);
console.log(`compact CNN 64x64, ${(bytes.length / 1e6).toFixed(1)} MB ONNX; median per call; load average ${loadavg()[0].toFixed(2)}`);
console.log('| engine | batch 1 img/s | batch 32 img/s |\n|---|---|---|');
for (const [name, b1, b32] of rows) console.log(`| ${name} | ${b1.toFixed(0)} | ${b32.toFixed(0)} |`);
