// face-api's networks as ONNX models (models/detector, exported from face-api's weights by
// scripts/build-detector-onnx.ts) on onnxruntime-node, with face-api's pre- and post-processing in TypeScript.
// The sessions are shared by all detectors of the process using the same folder.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { errorMessage, HowoldError } from '../core/errors.js';
import type { Box, Point, RgbImage } from '../core/types.js';
import { DETECTOR_FILES, DETECTOR_MODEL_DIR, type DetectionEngine } from './engine.js';
import { decodeSsd, decodeTiny, landmarksFromOutput } from './faceapi-post.js';
import { LANDMARK_NORMALISATION, SSD_NORMALISATION, TINY_NORMALISATION, writeNetInput } from './preprocess.js';

const SSD_SIZE = 512;
const LANDMARK_SIZE = 112;
/** TinyYOLO's output stride: the grid has inputSize / 32 cells a side. */
const TINY_STRIDE = 32;

interface Sessions {
  runtime: typeof ort;
  ssd: ort.InferenceSession;
  landmarks: ort.InferenceSession;
  tiny: ort.InferenceSession;
  anchors: Float32Array;
}

const shared = new Map<string, { sessions: Promise<Sessions>; users: number }>();

async function loadRuntime(): Promise<typeof ort> {
  if (process.env.HOWOLD_DISABLE_ONNXRUNTIME) throw new Error('disabled by HOWOLD_DISABLE_ONNXRUNTIME');
  const mod = (await import('onnxruntime-node')) as typeof ort & { default?: typeof ort };
  return mod.InferenceSession ? mod : mod.default!;
}

async function openSessions(dir: string): Promise<Sessions> {
  const runtime = await loadRuntime();
  const options: ort.InferenceSession.SessionOptions = {
    // One thread: a photo's detection is one stream; a server gets its parallelism from concurrent requests.
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const open = async (file: string) => runtime.InferenceSession.create(await readFile(path.join(dir, file)), options);
  const opened: ort.InferenceSession[] = [];
  try {
    for (const file of [DETECTOR_FILES.ssd, DETECTOR_FILES.landmarks, DETECTOR_FILES.tiny]) opened.push(await open(file));
    const bytes = await readFile(path.join(dir, DETECTOR_FILES.anchors));
    const anchors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const [ssd, landmarks, tiny] = opened as [ort.InferenceSession, ort.InferenceSession, ort.InferenceSession];
    return { runtime, ssd, landmarks, tiny, anchors };
  } catch (err) {
    await Promise.all(opened.map((s) => s.release()));
    throw err;
  }
}

function release(dir: string): void {
  const entry = shared.get(dir);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  shared.delete(dir);
  void entry.sessions
    .then((s) => Promise.all([s.ssd.release(), s.landmarks.release(), s.tiny.release()]))
    .catch(() => undefined);
}

/**
 * Opens (or shares) the ONNX detection models in `dir`. Throws HowoldError 'engine_unavailable' when
 * onnxruntime-node or the model files cannot be loaded.
 */
export async function createOnnxEngine(dir = DETECTOR_MODEL_DIR): Promise<DetectionEngine> {
  let entry = shared.get(dir);
  if (!entry) {
    entry = { sessions: openSessions(dir), users: 0 };
    shared.set(dir, entry);
  }
  entry.users += 1;
  let s: Sessions;
  try {
    s = await entry.sessions;
  } catch (err) {
    if (shared.get(dir) === entry) shared.delete(dir);
    throw new HowoldError('engine_unavailable', `ONNX detector cannot load (${errorMessage(err)})`);
  }
  const { runtime } = s;
  const run = async (session: ort.InferenceSession, data: Float32Array, dims: number[]) => {
    const result = await session.run({ [session.inputNames[0]!]: new runtime.Tensor('float32', data, dims) });
    return Object.fromEntries(session.outputNames.map((name) => [name, result[name]!.data as Float32Array]));
  };
  let disposed = false;
  const live = () => {
    if (disposed) throw new HowoldError('disposed', 'the ONNX detection engine has been disposed');
  };

  return {
    name: 'onnx',
    async ssd(image, minScore, maxResults) {
      live();
      const input = new Float32Array(SSD_SIZE * SSD_SIZE * 3);
      writeNetInput(image, { x: 0, y: 0, width: image.width, height: image.height }, SSD_SIZE, false, SSD_NORMALISATION, input);
      const out = await run(s.ssd, input, [1, SSD_SIZE, SSD_SIZE, 3]);
      return decodeSsd(out.box_encodings!, out.class_logits!, s.anchors, image.width, image.height, SSD_SIZE, minScore, maxResults);
    },
    async tiny(image, inputSize, minScore) {
      live();
      const input = new Float32Array(inputSize * inputSize * 3);
      writeNetInput(image, { x: 0, y: 0, width: image.width, height: image.height }, inputSize, false, TINY_NORMALISATION, input);
      const out = await run(s.tiny, input, [1, inputSize, inputSize, 3]);
      return decodeTiny(out.grid!, inputSize / TINY_STRIDE, inputSize, image.width, image.height, minScore);
    },
    async landmarks(image: RgbImage, crops: Box[]): Promise<Point[][]> {
      live();
      if (crops.length === 0) return [];
      const size = LANDMARK_SIZE * LANDMARK_SIZE * 3;
      const input = new Float32Array(crops.length * size);
      crops.forEach((crop, i) => writeNetInput(image, crop, LANDMARK_SIZE, true, LANDMARK_NORMALISATION, input, i * size));
      const out = (await run(s.landmarks, input, [crops.length, LANDMARK_SIZE, LANDMARK_SIZE, 3])).landmarks!;
      return crops.map((crop, i) => landmarksFromOutput(out.subarray(i * 136, (i + 1) * 136), crop.width, crop.height, LANDMARK_SIZE));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      release(dir);
    },
  };
}
