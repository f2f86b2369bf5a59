// npm run bench:detect: milliseconds per photo for face detection (+ 68-point landmarks) with each engine (ONNX on
// onnxruntime-node, face-api on TF.js wasm), and for alignment. Medians over repeated runs after a warm-up; decode
// time is not included. `-- --engine onnx` (or tfjs) measures one engine only.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../src/core/types.js';
import { createFaceDetector, type DetectorEngine, type FaceDetector } from '../src/detect/index.js';
import { DEFAULT_MARGIN, alignFace } from '../src/image/align.js';
import { decodeImage } from '../src/image/decode.js';
import { initBackend } from '../src/tf/backend.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const datasets = path.resolve(repoRoot, '../shared/datasets');
const ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeDetect(detector: FaceDetector, images: RgbImage[]): Promise<{ ms: number; faces: number }> {
  await detector.detect(images[0]);
  const times: number[] = [];
  let faces = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const image of images) {
      const started = performance.now();
      const found = await detector.detect(image);
      times.push(performance.now() - started);
      if (round === 0) faces += found.length;
    }
  }
  return { ms: median(times), faces };
}

const groupDir = path.join(datasets, 'group-photos');
const groupPhotos = await Promise.all(readdirSync(groupDir).filter((f) => f.endsWith('.jpg')).sort().map((f) => decodeImage(path.join(groupDir, f))));
const utkDir = path.join(datasets, 'utkface');
const crops = await Promise.all(readdirSync(utkDir).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 1000 === 0).map((f) => decodeImage(path.join(utkDir, f))));

const engineArg = process.argv.indexOf('--engine');
const engines: DetectorEngine[] = engineArg > 0 ? [process.argv[engineArg + 1] as DetectorEngine] : ['onnx', 'tfjs'];
process.stdout.write(`${ROUNDS} rounds, medians; TF.js backend ${await initBackend()}, onnxruntime-node 1 thread\n`);
for (const engine of engines) {
  const photo = await createFaceDetector({ engine });
  const cropMode = await createFaceDetector({ mode: 'crop', engine });
  if (photo.engine !== engine) throw new Error(`asked for ${engine}, got ${photo.engine}: ${photo.note}`);
  const rows: Array<[string, { ms: number; faces: number }, number]> = [
    ['group photos (~500x375), photo mode', await timeDetect(photo, groupPhotos), groupPhotos.length],
    ['200x200 UTKFace crops, photo mode', await timeDetect(photo, crops), crops.length],
    ['200x200 UTKFace crops, crop mode', await timeDetect(cropMode, crops), crops.length],
  ];
  for (const [label, { ms, faces }, n] of rows) {
    process.stdout.write(`${engine.padEnd(5)} ${label.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms/photo  (${faces} faces in ${n} images)\n`);
  }
  photo.dispose();
  cropMode.dispose();
}

const crop = await createFaceDetector({ mode: 'crop', engine: engines[0] });
const [face] = await crop.detect(crops[0]);
if (face) {
  for (const size of [64, 112, 200]) {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      alignFace(crops[0], face, { size, margin: DEFAULT_MARGIN, align: 'eyes' });
      times.push(performance.now() - started);
    }
    process.stdout.write(`${`alignFace to ${size}x${size}`.padEnd(40)} ${median(times).toFixed(2).padStart(7)} ms/face\n`);
  }
}
crop.dispose();
