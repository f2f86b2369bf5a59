// Prediction speed: (a) the age model alone vs face-api.js's AgeGenderNet on the same crops, (b) photo → ages for
// each group photo, (c) `howold serve` under load (autocannon). Prints a table and writes the "Prediction speed"
// section of BENCHMARKS.md. A measurement, not a test: `npm run bench:predict [-- --model DIR] [--seconds 60]`.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import sharp from 'sharp';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { createAgeEstimator, decodeImage, DEFAULT_MODEL_DIR, type RgbImage } from '../src/index.js';
import { initBackend, tf } from '../src/tf/backend.js';
import { cpuLine } from './cpu.js';
import { median } from './stats.js';
import { runProfile } from './profile.js';
import { startServe, treeRssMb } from './serve-process.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    'no-write': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const modelDir = path.resolve(args.model ?? process.env.HOWOLD_MODEL ?? DEFAULT_MODEL_DIR);
const isDefaultModel = modelDir === path.resolve(DEFAULT_MODEL_DIR);
const loadSeconds = Number(args.seconds);
const connections = Number(args.connections);
const groupDir = path.resolve(repoRoot, '../shared/datasets/group-photos');
const groupPhotos = readdirSync(groupDir).filter((f) => f.endsWith('.jpg')).sort();
const examplePhoto = path.join(repoRoot, 'examples/astronaut.png');
const MIN_SECONDS = 3;

const load = () => loadavg()[0]!.toFixed(2);

/** Median ms of `fn` after warm-up, over at least `minRuns` runs and MIN_SECONDS seconds. */
async function time(fn: () => Promise<unknown>, minRuns = 5): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  const end = performance.now() + MIN_SECONDS * 1000;
  while (times.length < minRuns || performance.now() < end) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

process.stderr.write(`CPU: ${cpuLine()}\n`);
if (args.profile) {
  // --profile: the per-stage profile only (no face-api comparison, no server, BENCHMARKS.md untouched)
  process.stdout.write(await runProfile(modelDir, groupPhotos.map((f) => path.join(groupDir, f))));
  process.exit(0);
}

// ---- (a) age model alone ------------------------------------------------------------------------------------
sharp.concurrency(1);
await initBackend();
const estimator = await createAgeEstimator({ model: modelDir, threads: 1 });
const crops: RgbImage[] = [];
for (const file of groupPhotos) crops.push(...(await estimator.detectAndAlign(await decodeImage(path.join(groupDir, file)))).crops);
if (crops.length < 32) throw new Error(`only ${crops.length} face crops in the group photos; batch 32 needs 32`);
const batch32 = crops.slice(0, 32);
const loadAtStart = load();

const oursB1 = await time(async () => {
  for (const crop of crops) await estimator.estimateCrops([crop]);
}) / crops.length;
const oursB32 = await time(() => estimator.estimateCrops(batch32)) / 32;

const faceApiDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'model');
await faceapi.nets.ageGenderNet.loadFromDisk(faceApiDir);
const faceApiRun = async (batch: RgbImage[]) => {
  const tensors = batch.map((c) => tf.tensor3d(c.data, [c.height, c.width, 3], 'int32'));
  try {
    // an array input is one batched forward pass; results read back like our side reads its outputs
    await faceapi.nets.ageGenderNet.predictAgeAndGender(tensors as unknown as faceapi.TNetInput);
  } finally {
    tf.dispose(tensors);
  }
};
const faceApiB1 = await time(async () => {
  for (const crop of crops) await faceApiRun([crop]);
}) / crops.length;
const faceApiB32 = await time(() => faceApiRun(batch32)) / 32;
faceapi.nets.ageGenderNet.dispose();

// ---- (b) photo → ages ---------------------------------------------------------------------------------------
const endToEnd: { file: string; size: string; faces: number; ms: number }[] = [];
for (const file of groupPhotos) {
  const full = path.join(groupDir, file);
  const { width, height } = await sharp(full).metadata();
  const faces = (await estimator(full)).length;
  endToEnd.push({ file, size: `${width}x${height}`, faces, ms: await time(() => estimator(full), 7) });
}
const modelName = `${estimator.meta.name} (${estimator.preprocessing.inputSize}x${estimator.preprocessing.inputSize}, ${estimator.engine})`;
await estimator.dispose();

// ---- (c) the server under load ------------------------------------------------------------------------------
const body = readFileSync(examplePhoto);
const { child, url } = await startServe(repoRoot, ['--model', modelDir]);
const rssReady = treeRssMb(child.pid!);
const WARM_UP_SECONDS = 10;
const hammer = (duration: number) =>
  autocannon({ url: `${url}/v1/ages`, method: 'POST', headers: { 'content-type': 'image/png' }, body, connections, duration, timeout: 30 });
// the same load for a few seconds first: batches of several photos grow the engines' buffers once
const warmUp = await hammer(WARM_UP_SECONDS);
if (warmUp['2xx'] === 0) throw new Error('no request succeeded during the warm-up');
const rssStart = treeRssMb(child.pid!);
const loadBefore = load();
const result = await hammer(loadSeconds);
const rssEnd = treeRssMb(child.pid!);
const health = (await (await fetch(`${url}/healthz`)).json()) as { workers: number; restarts: number };
child.kill('SIGTERM');
const errors = result.errors + result.timeouts + result.non2xx;

// ---- report -------------------------------------------------------------------------------------------------
const f1 = (v: number) => v.toFixed(1);
const ratioB1 = faceApiB1 / oursB1;
const ratioB32 = faceApiB32 / oursB32;
const e2eMedian = median(endToEnd.map((r) => r.ms));
const growth = rssEnd - rssStart;
const lines: string[] = [];
lines.push('## Prediction speed');
lines.push('');
lines.push(
  `Measured by \`npm run bench:predict\` on ${new Date().toISOString().slice(0, 10)}: ${cpuLine()}, ` +
    `Node ${process.version}, load average ${loadAtStart} at the start (a training job shares the machine). Model: ${modelName}` +
    `${isDefaultModel ? ' (the shipped models/default)' : `, from ${path.basename(modelDir)} — NOT the shipped model (see the note below)`}.`,
);
lines.push('');
lines.push(`### Age model alone (${crops.length} aligned face crops from the group photos; median per call, ms per face)`);
lines.push('');
lines.push('| model | batch 1 | batch 32 |');
lines.push('|---|---|---|');
lines.push(`| howold age model, onnxruntime-node, 1 thread | ${f1(oursB1)} | ${f1(oursB32)} |`);
lines.push(`| face-api.js AgeGenderNet, TF.js wasm (same run, same crops) | ${f1(faceApiB1)} | ${f1(faceApiB32)} |`);
lines.push(`| speed-up (target >= 2x) | ${ratioB1.toFixed(1)}x | ${ratioB32.toFixed(1)}x |`);
lines.push('');
lines.push('### Photo to ages (decode, detect, align, estimate; one photo per call, median of >= 7 runs, sharp on one thread)');
lines.push('');
lines.push('| photo | size | faces | ms |');
lines.push('|---|---|---|---|');
for (const r of endToEnd) lines.push(`| ${r.file} | ${r.size} | ${r.faces} | ${r.ms.toFixed(0)} |`);
lines.push(`| **median** (target <= 150) | | | **${e2eMedian.toFixed(0)}** |`);
lines.push('');
lines.push(
  `### \`howold serve\` under load (autocannon, ${result.duration.toFixed(0)} s, ${connections} connections, POST /v1/ages with examples/astronaut.png, ${health.workers} worker processes)`,
);
lines.push('');
lines.push('| req/s | p50 ms | p99 ms | errors (non-2xx + timeouts + socket) | RSS ready / start / end MB (server + workers) |');
lines.push('|---|---|---|---|---|');
lines.push(
  `| ${result.requests.average.toFixed(1)} | ${result.latency.p50} | ${result.latency.p99} | ${errors} | ${rssReady.toFixed(0)} / ${rssStart.toFixed(0)} / ${rssEnd.toFixed(0)} (growth ${growth >= 0 ? '+' : ''}${growth.toFixed(0)}, target < 100) |`,
);
lines.push('');
lines.push(
  `"ready" is just after start-up, "start" after ${WARM_UP_SECONDS} s of the same load (warm-up), "end" after the run; load average ${loadBefore} before the run. ` +
    `Worker restarts during the run: ${health.restarts}.`,
);
if (!isDefaultModel) {
  lines.push('');
  lines.push(
    '> Note: models/default did not exist yet when this ran, so the figures come from a development model with the same ' +
      'architecture (face-api-initialised TinyXception with an untrained age head; its ages are meaningless, its speed is not). ' +
      'Re-run `npm run bench:predict` once the shipped model is in.',
  );
}
const section = `${lines.join('\n')}\n`;
process.stdout.write(`\n${section}`);

if (!args['no-write']) {
  const file = path.join(repoRoot, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('\n## Prediction speed\n');
  const next = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
  const updated =
    start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start + 1)}${section}${next >= 0 ? text.slice(next) : ''}`;
  writeFileSync(file, updated);
  process.stderr.write('bench:predict: wrote the "Prediction speed" section of BENCHMARKS.md\n');
}
