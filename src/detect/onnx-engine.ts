// face-api's networks as ONNX models (models/detector, exported from face-api's weights by
// scripts/build-detector-onnx.ts) on onnxruntime-node: opens the sessions from disk (shared by all detectors of
// the process using the same folder); the engine itself is ort-engine.ts, shared with the browser entry.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { errorMessage, HowoldError } from '../core/errors.js';
import { DETECTOR_FILES, type DetectionEngine } from './engine.js';
import { anchorsFromBytes, ortDetectionEngine, releaseSessions, type DetectorSessions } from './ort-engine.js';
import { DETECTOR_MODEL_DIR } from './paths.js';

const shared = new Map<string, { sessions: Promise<DetectorSessions>; users: number }>();

async function loadRuntime(): Promise<typeof ort> {
  if (process.env.HOWOLD_DISABLE_ONNXRUNTIME) throw new Error('disabled by HOWOLD_DISABLE_ONNXRUNTIME');
  const mod = (await import('onnxruntime-node')) as typeof ort & { default?: typeof ort };
  return mod.InferenceSession ? mod : mod.default!;
}

async function openSessions(dir: string): Promise<DetectorSessions> {
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
    const anchors = anchorsFromBytes(await readFile(path.join(dir, DETECTOR_FILES.anchors)));
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
  void entry.sessions.then(releaseSessions, () => undefined);
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
  let s: DetectorSessions;
  try {
    s = await entry.sessions;
  } catch (err) {
    if (shared.get(dir) === entry) shared.delete(dir);
    throw new HowoldError('engine_unavailable', `ONNX detector cannot load (${errorMessage(err)})`);
  }
  return ortDetectionEngine(s, () => release(dir));
}
