// npm run bench:detect: detection quality and speed.
// Quality (`-- --only quality`): for each setting, faces found / false positives on the 9 group photos (43 faces
// in faces.csv, IoU >= 0.4) and on 9 mosaics of 2x2 group photos (the same faces at half their size relative to
// the photo, as in a wider shot), the share of the 540 FairFace images with no face found, and milliseconds per
// group photo, all settings timed photo by photo in turn so that a changing load hits them alike.
// Speed (`-- --only speed`): milliseconds per photo for detection (+ 68-point landmarks) with each engine (ONNX on
// onnxruntime-node, face-api on TF.js wasm), and for alignment. Medians over repeated runs after a warm-up; decode
// time is not included. `-- --engine onnx` (or tfjs) measures one engine only.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box, RgbImage } from '../src/core/types.js';
import { createFaceDetector, type DetectorEngine, type DetectorOptions, type FaceDetector } from '../src/detect/index.js';
import { matchDetections, readFaceBoxes } from '../src/eval/detection.js';
import { DEFAULT_MARGIN, alignFace } from '../src/image/align.js';
import { decodeImage } from '../src/image/decode.js';
import { initBackend } from '../src/tf/backend.js';
import { cpuLine } from './cpu.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const datasets = path.resolve(repoRoot, '../shared/datasets');
const ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
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
const groupFiles = readdirSync(groupDir).filter((f) => f.endsWith('.jpg')).sort();
const groupPhotos = await Promise.all(groupFiles.map((f) => decodeImage(path.join(groupDir, f))));
const only = arg('--only');
// --settings 1,2: only these rows of SETTINGS (0-based), e.g. to compare two settings quickly
const settingsArg = arg('--settings');
process.stdout.write(`CPU: ${cpuLine()}\n`);
const engineArg = arg('--engine') as DetectorEngine | undefined;

/** The settings compared: what photo mode did before the padded pass, the defaults, and the other choices. */
const ALL_SETTINGS: Array<[string, DetectorOptions]> = [
  ['before: SSD 0.5 on the image only', { padding: [], fallbackPadding: [] }],
  ['SSD 0.5 + padded pass 0.5 always (until 0.2.0)', { paddedPasses: 'always' }],
  ['SSD 0.5 + padded pass 0.5 when needed (default)', {}],
  ['SSD 0.3 + padded pass 0.5', { minScore: 0.3, paddedPasses: 'always' }],
  ['SSD 0.3, padded passes only when nothing found', { minScore: 0.3, padding: [], fallbackPadding: [0.25, 0.5, 1] }],
  ['SSD 0.5 + padded passes 0.25 and 0.5', { padding: [0.25, 0.5], paddedPasses: 'always' }],
  ['Tiny 512, 0.5', { faceDetector: 'tiny' }],
  ['Tiny 704, 0.4', { faceDetector: 'tiny', tinyInputSize: 704, minScore: 0.4 }],
];
const SETTINGS = settingsArg ? settingsArg.split(',').map((k) => ALL_SETTINGS[Number(k)]!).filter(Boolean) : ALL_SETTINGS;

/** Photos i..i+3 (mod 9) in the cells of a 1000x1000 grey square, with their annotated faces moved along. */
function mosaics(truth: Map<string, Box[]>): Array<{ image: RgbImage; faces: Box[] }> {
  const cell = 500;
  const side = 2 * cell;
  return groupPhotos.map((_, m) => {
    const data = new Uint8Array(side * side * 3).fill(128);
    const faces: Box[] = [];
    for (let k = 0; k < 4; k++) {
      const i = (m + k) % groupPhotos.length;
      const photo = groupPhotos[i]!;
      const [ox, oy] = [(k % 2) * cell, (k >> 1) * cell];
      for (let y = 0; y < photo.height; y++) data.set(photo.data.subarray(y * photo.width * 3, (y + 1) * photo.width * 3), ((y + oy) * side + ox) * 3);
      faces.push(...(truth.get(groupFiles[i]!) ?? []).map((b) => ({ ...b, x: b.x + ox, y: b.y + oy })));
    }
    return { image: { data, width: side, height: side }, faces };
  });
}

if (only !== 'speed') {
  const truth = await readFaceBoxes(path.join(groupDir, 'faces.csv'));
  const mosaic = mosaics(truth);
  const mosaicFaces = mosaic.reduce((n, m) => n + m.faces.length, 0);
  const annotated = [...truth.values()].reduce((n, boxes) => n + boxes.length, 0);
  const fairDir = path.join(datasets, 'fairface');
  const fairFiles = readdirSync(fairDir).filter((f) => f.endsWith('.jpg')).sort();
  const detectors = await Promise.all(SETTINGS.map(([, options]) => createFaceDetector({ ...options, engine: engineArg ?? 'onnx' })));
  for (const d of detectors) await d.detect(groupPhotos[0]);
  const times: number[][] = detectors.map(() => []);
  const counts = detectors.map(() => ({ found: 0, falsePositives: 0, misses: [] as string[], noFace: 0, mosaicFound: 0, mosaicFalse: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [p, image] of groupPhotos.entries()) {
      for (const [i, detector] of detectors.entries()) {
        const started = performance.now();
        const faces = await detector.detect(image);
        times[i]!.push(performance.now() - started);
        if (round > 0) continue;
        const m = matchDetections(truth.get(groupFiles[p]!) ?? [], faces.map((f) => f.box));
        counts[i]!.found += m.found;
        counts[i]!.falsePositives += m.falsePositives;
        if (m.missed.length + m.extra.length > 0) counts[i]!.misses.push(`${groupFiles[p]!.replace('.jpg', '')} -${m.missed.length}+${m.extra.length}`);
      }
    }
  }
  for (const { image, faces: boxes } of mosaic) {
    for (const [i, detector] of detectors.entries()) {
      const m = matchDetections(boxes, (await detector.detect(image)).map((f) => f.box));
      counts[i]!.mosaicFound += m.found;
      counts[i]!.mosaicFalse += m.falsePositives;
    }
  }
  // decoded one at a time: 540 images at once would hold ~300 MB
  for (const file of fairFiles) {
    const image = await decodeImage(path.join(fairDir, file));
    for (const [i, detector] of detectors.entries()) if ((await detector.detect(image)).length === 0) counts[i]!.noFace += 1;
  }
  process.stdout.write(
    `photo mode, ${detectors[0]!.engine}: group photos ${annotated} faces (IoU >= 0.4, every unmatched detection a false positive), ` +
      `2x2 mosaics ${mosaicFaces} faces, FairFace ${fairFiles.length} images; ms = median per group photo over ${ROUNDS} rounds, landmarks included\n`,
  );
  for (const [i, [label]] of SETTINGS.entries()) {
    const c = counts[i]!;
    process.stdout.write(
      `${label.padEnd(48)} group ${c.found}/${annotated}, ${c.falsePositives} FP  mosaics ${c.mosaicFound}/${mosaicFaces}, ${c.mosaicFalse} FP  FairFace no face ${String(c.noFace).padStart(3)} ` +
        `(${((100 * c.noFace) / fairFiles.length).toFixed(1)}%)  ${median(times[i]!).toFixed(1).padStart(6)} ms/photo` +
        `${c.misses.length ? `  [${c.misses.join(', ')}]` : ''}\n`,
    );
  }
  for (const d of detectors) await d.dispose();
}

if (only !== 'quality') {
  const utkDir = path.join(datasets, 'utkface');
  const crops = await Promise.all(readdirSync(utkDir).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 1000 === 0).map((f) => decodeImage(path.join(utkDir, f))));
  const engines: DetectorEngine[] = engineArg ? [engineArg] : ['onnx', 'tfjs'];
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
}
