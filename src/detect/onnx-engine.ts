// face-api's networks as ONNX models (models/detector, exported from face-api's weights by
// scripts/build-detector-onnx.ts) on the ONNX backend (backends/onnx.ts): opens the sessions from disk (shared by
// all detectors of the process using the same folder); the engine itself is ort-engine.ts, shared with the browser
// entry.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOnnxBackend } from '../backends/onnx.js';
import type { OrtSession } from '../core/ort.js';
import type { Engine } from '../core/types.js';
import { errorMessage, HowoldError } from '../core/errors.js';
import type { DetectionEngine } from './engine.js';
import { checkSessionInput, isBadDetectorFolder, ortDetectionEngine, readDetectorFiles, releaseSessions, type DetectorSessions } from './ort-engine.js';
import { DETECTOR_MODEL_DIR } from './paths.js';

const shared = new Map<string, { sessions: Promise<DetectorSessions & { name: Exclude<Engine, 'tfjs'>; note?: string }>; users: number }>();

async function openSessions(dir: string): Promise<DetectorSessions & { name: Exclude<Engine, 'tfjs'>; note?: string }> {
  const files = await readDetectorFiles((file) => readFile(path.join(dir, file)), dir);
  const { config } = files;
  const backend = await loadOnnxBackend();
  const opened: OrtSession[] = [];
  try {
    // One thread: a photo's detection is one stream; a server gets its parallelism from concurrent requests.
    for (const bytes of [files.ssd, files.landmarks, files.tiny]) opened.push(await backend.openSession(bytes, 1));
    const [ssd, landmarks, tiny] = opened as [OrtSession, OrtSession, OrtSession];
    checkSessionInput(ssd, config.ssd.inputSize, 'ssd.inputSize', config.ssd.file, dir);
    checkSessionInput(landmarks, config.landmarks.inputSize, 'landmarks.inputSize', config.landmarks.file, dir);
    return { name: backend.name, runtime: backend.runtime, config, ssd, landmarks, tiny, anchors: files.anchors, ...(backend.note === undefined ? {} : { note: backend.note }) };
  } catch (err) {
    await Promise.all(opened.map((s) => s.release()));
    throw err;
  }
}

async function release(dir: string): Promise<void> {
  const entry = shared.get(dir);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  shared.delete(dir);
  await entry.sessions.then(releaseSessions, () => undefined);
}

/**
 * Opens (or shares) the ONNX detection models in `dir`, with the backend's note when onnxruntime-web runs. Throws
 * HowoldError 'engine_unavailable' when no onnxruntime or the model files cannot be loaded, and detector.json's
 * own 'bad_model' / 'unsupported_model_version' when it is wrong or does not match its files.
 */
export async function createOnnxEngine(dir = DETECTOR_MODEL_DIR): Promise<{ engine: DetectionEngine; note?: string }> {
  let entry = shared.get(dir);
  if (!entry) {
    entry = { sessions: openSessions(dir), users: 0 };
    shared.set(dir, entry);
  }
  entry.users += 1;
  let s: DetectorSessions & { name: Exclude<Engine, 'tfjs'>; note?: string };
  try {
    s = await entry.sessions;
  } catch (err) {
    if (shared.get(dir) === entry) shared.delete(dir);
    if (isBadDetectorFolder(err)) throw err;
    throw new HowoldError('engine_unavailable', `ONNX detector cannot load (${errorMessage(err)})`);
  }
  const engine = ortDetectionEngine(s, s.name, () => release(dir));
  return s.note === undefined ? { engine } : { engine, note: s.note };
}
