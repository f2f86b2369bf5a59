// `npm run bench:predict -- --profile`: where a photo's time goes, stage by stage, on the 9 group photos. Each stage
// is run on its own (same sessions, same options as the library opens) and timed as the median of several rounds
// per photo; the table gives the mean over the photos of those medians, beside the end-to-end time of the same
// photos through the estimator.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadOnnxBackend } from '../src/backends/onnx.js';
import { runFloat32 } from '../src/core/ort.js';
import type { RgbImage } from '../src/core/types.js';
import { readDetectorConfig } from '../src/detect/detector-config.js';
import { decodeSsd, landmarksFromOutput } from '../src/detect/faceapi-post.js';
import { DETECTOR_MODEL_DIR } from '../src/detect/paths.js';
import { landmarkCrop } from '../src/detect/pipeline.js';
import { anchorsFromBytes } from '../src/detect/ort-engine.js';
import { padImage, writeNetInput } from '../src/detect/preprocess.js';
import { alignFace } from '../src/image/align.js';
import { createAgeEstimator, decodeImage } from '../src/index.js';
import { cropsToInput } from '../src/infer/age-pipeline.js';
import { createOnnxRunner } from '../src/infer/onnx-runner.js';
import { cpuLine } from './cpu.js';

const ROUNDS = 7;

async function median(fn: () => unknown | Promise<unknown>, rounds = ROUNDS): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[rounds >> 1]!;
}

export async function runProfile(modelDir: string, files: string[]): Promise<string> {
  const backend = await loadOnnxBackend();
  const config = await readDetectorConfig();
  const SSD_INPUT_SIZE = config.ssd.inputSize;
  const LANDMARK_SIZE = config.landmarks.inputSize;
  const open = async (file: string) => backend.openSession(await readFile(path.join(DETECTOR_MODEL_DIR, file)), 1);
  const ssdFloat = await open(config.ssd.file);
  // the int8 SSD is in the repo only (not in the npm package): timed when it is there
  const int8File = config.ssd.int8File && existsSync(path.join(DETECTOR_MODEL_DIR, config.ssd.int8File)) ? config.ssd.int8File : undefined;
  const ssd = int8File ? await open(int8File) : undefined;
  const lm = await open(config.landmarks.file);
  const anchors = anchorsFromBytes(await readFile(path.join(DETECTOR_MODEL_DIR, config.ssd.anchorsFile)));
  const runner = await createOnnxRunner(path.join(modelDir, 'model.onnx'), { intraOpNumThreads: 1 });
  const estimator = await createAgeEstimator({ model: modelDir, threads: 1 });
  const p = estimator.preprocessing;
  const pads = [0, 0.5];

  const stages = new Map<string, number[]>();
  const add = (name: string, ms: number) => (stages.get(name) ?? stages.set(name, []).get(name)!).push(ms);
  let faces = 0;
  for (const file of files) {
    add('decode (sharp)', await median(() => decodeImage(file)));
    const image = await decodeImage(file);
    const found = await estimator.detectAndAlign(image);
    faces += found.faces.length;
    for (const pad of pads) {
      const label = pad === 0 ? 'image' : `${pad} border`;
      const border = Math.round(Math.max(image.width, image.height) * pad);
      let seen: RgbImage = image;
      if (border > 0) add(`SSD ${label}: pad image`, await median(() => (seen = padImage(image, border, 128))));
      const input = new Float32Array(SSD_INPUT_SIZE * SSD_INPUT_SIZE * 3);
      const whole = { x: 0, y: 0, width: seen.width, height: seen.height };
      add(`SSD ${label}: input (resize, normalise)`, await median(() => writeNetInput(seen, whole, SSD_INPUT_SIZE, false, config.ssd.normalisation, input)));
      let out: Record<string, Float32Array> = {};
      const dims = [1, SSD_INPUT_SIZE, SSD_INPUT_SIZE, 3];
      add(`SSD ${label}: session, float`, await median(async () => (out = await runFloat32(backend.runtime, ssdFloat, input, dims))));
      if (ssd) add(`SSD ${label}: session, int8 (not on by default)`, await median(() => runFloat32(backend.runtime, ssd, input, dims)));
      add(`SSD ${label}: decode + NMS`, await median(() => decodeSsd(out.box_encodings!, out.class_logits!, anchors, seen.width, seen.height, SSD_INPUT_SIZE, 0.5, 100, config.ssd.iouThreshold)));
    }
    const crops = found.faces.flatMap((f) => landmarkCrop(f.box, image.width, image.height) ?? []);
    const size = LANDMARK_SIZE * LANDMARK_SIZE * 3;
    const lmInput = new Float32Array(Math.max(1, crops.length) * size);
    add('landmarks: input', await median(() => crops.forEach((c, i) => writeNetInput(image, c, LANDMARK_SIZE, true, config.landmarks.normalisation, lmInput, i * size))));
    let lmOut: Float32Array = new Float32Array(0);
    add('landmarks: session', crops.length === 0 ? 0 : await median(async () => (lmOut = (await runFloat32(backend.runtime, lm, lmInput, [crops.length, LANDMARK_SIZE, LANDMARK_SIZE, 3])).landmarks!)));
    add('landmarks: decode', await median(() => crops.map((c, i) => landmarksFromOutput(lmOut.subarray(i * 136, (i + 1) * 136), c.width, c.height, LANDMARK_SIZE))));
    add('align (warp to 112x112)', await median(() => found.faces.map((f) => alignFace(image, f, { size: p.inputSize, margin: p.margin, align: p.align }))));
    const ageCrops = found.crops;
    if (ageCrops.length > 0) {
      add('age: input, with mirror', await median(() => cropsToInput(ageCrops, p, true)));
      const both = cropsToInput(ageCrops, p, true);
      const one = cropsToInput(ageCrops, p, false);
      add('age: session, face + mirror (one call)', await median(() => runner.run(both, ageCrops.length * 2)));
      add('age: session, face only', await median(() => runner.run(one, ageCrops.length)));
    }
    add('end to end (estimator, file to ages)', await median(() => estimator(file)));
  }
  await estimator.dispose();
  await runner.dispose();
  await Promise.all([ssd?.release(), ssdFloat.release(), lm.release()]);

  const lines = [
    `### Per-stage profile (${files.length} group photos, ${faces} faces; mean over the photos of each stage's median of ${ROUNDS} runs, ms per photo)`,
    '',
    `CPU: ${cpuLine()}; Node ${process.version}; ${backend.name}, 1 thread.`,
    '',
    '| stage | ms per photo |',
    '|---|---|',
  ];
  for (const [name, values] of stages) {
    const mean = values.reduce((a, b) => a + b, 0) / files.length;
    lines.push(`| ${name} | ${mean.toFixed(1)} |`);
  }
  return `${lines.join('\n')}\n`;
}
