// npm run bench:pipeline: photo to ages, howold (and howold with the padded SSD pass on every photo, as before
// 0.2.0) against face-api.js's own pipeline (SSD-MobileNetV1 at 0.5 + 68
// landmarks + AgeGenderNet on TF.js wasm, as a face-api.js user runs it), in one process on the same decoded
// pixels (decode excluded), one thread each. The two take turns photo by photo, so a changing load hits both
// alike: the ratio is the figure, the milliseconds move with the machine.
//   npm run bench:pipeline [-- --rounds N]
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { createAgeEstimator, decodeImage, type RgbImage } from '../src/index.js';
import { parseIntegerOption } from '../src/cli/options.js';
import { initBackend, tf } from '../src/tf/backend.js';
import { cpuLine } from './cpu.js';
import { median } from './stats.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const rounds = parseIntegerOption(args.rounds!, '--rounds', 1);
const groupDir = path.join(repoRoot, '../shared/datasets/group-photos');
const files = readdirSync(groupDir).filter((f) => f.endsWith('.jpg')).sort();

sharp.concurrency(1);
await initBackend();
const estimate = await createAgeEstimator({ threads: 1 });
// before 0.2.0 the padded SSD pass ran on every photo; timed alongside, so the change's effect is in this run
const always = await createAgeEstimator({ threads: 1, detector: { paddedPasses: 'always' } });
const faceApiDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'model');
await Promise.all([
  faceapi.nets.ssdMobilenetv1.loadFromDisk(faceApiDir),
  faceapi.nets.faceLandmark68Net.loadFromDisk(faceApiDir),
  faceapi.nets.ageGenderNet.loadFromDisk(faceApiDir),
]);
const ssdOptions = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });

async function faceApiPipeline(image: RgbImage): Promise<number> {
  const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    const faces = await faceapi.detectAllFaces(input as unknown as faceapi.TNetInput, ssdOptions).withFaceLandmarks().withAgeAndGender();
    return faces.length;
  } finally {
    input.dispose();
  }
}

const loadAtStart = loadavg()[0]!;
const rows: { file: string; ours: number; before: number; theirs: number; oursFaces: number; theirFaces: number }[] = [];
for (const file of files) {
  const decoded = await decodeImage(path.join(groupDir, file));
  const image: RgbImage = { data: decoded.data, width: decoded.width, height: decoded.height };
  const oursFaces = (await estimate(image)).length; // warm-up, and the face count
  const theirFaces = await faceApiPipeline(image);
  await always(image);
  const ours: number[] = [];
  const before: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let start = performance.now();
    await estimate(image);
    ours.push(performance.now() - start);
    start = performance.now();
    await always(image);
    before.push(performance.now() - start);
    start = performance.now();
    await faceApiPipeline(image);
    theirs.push(performance.now() - start);
  }
  rows.push({ file, ours: median(ours), before: median(before), theirs: median(theirs), oursFaces, theirFaces });
}
await estimate.dispose();
await always.dispose();

const lines = [
  `CPU: ${cpuLine()}; Node ${process.version}; load average ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`,
  `howold: ${estimate.engine}, 1 thread (SSD, its padded pass when needed, 68 landmarks, age model with its mirror pass); face-api.js: TF.js ${tf.version.tfjs} ${tf.getBackend()}`,
  '',
  '| photo | howold ms (faces) | howold, padded pass always (before 0.2.0) | face-api.js ms (faces) | ratio |',
  '|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.file} | ${r.ours.toFixed(1)} (${r.oursFaces}) | ${r.before.toFixed(1)} | ${r.theirs.toFixed(1)} (${r.theirFaces}) | ${(r.theirs / r.ours).toFixed(2)}x |`),
];
const oursMedian = median(rows.map((r) => r.ours));
const theirsMedian = median(rows.map((r) => r.theirs));
const ratioMedian = median(rows.map((r) => r.theirs / r.ours));
lines.push(`| **median of the ${rows.length} photos** | **${oursMedian.toFixed(1)}** | ${median(rows.map((r) => r.before)).toFixed(1)} | **${theirsMedian.toFixed(1)}** | **${(theirsMedian / oursMedian).toFixed(2)}x** (median of the ratios ${ratioMedian.toFixed(2)}x) |`);
process.stdout.write(`${lines.join('\n')}\n`);
