// face-api's networks as ONNX models (models/detector, exported from face-api's weights by
// scripts/build-detector-onnx.ts) on the ONNX backend (backends/onnx.ts): opens the sessions from disk (shared by
// all detectors of the process using the same folder); the engine itself is ort-engine.ts, shared with the browser
// entry.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOnnxBackend } from '../backends/onnx.js';
import type { OrtSession } from '../core/ort.js';
import { errorMessage, HowoldError } from '../core/errors.js';
import { DETECTOR_FILES, type DetectionEngine } from './engine.js';
import { anchorsFromBytes, ortDetectionEngine, releaseSessions, type DetectorSessions } from './ort-engine.js';
import { DETECTOR_MODEL_DIR } from './paths.js';

const shared = new Map<string, { sessions: Promise<DetectorSessions & { note?: string }>; users: number }>();

async function openSessions(dir: string): Promise<DetectorSessions & { note?: string }> {
  const backend = await loadOnnxBackend();
  // One thread: a photo's detection is one stream; a server gets its parallelism from concurrent requests.
  const open = async (file: string) => backend.openSession(await readFile(path.join(dir, file)), 1);
  const opened: OrtSession[] = [];
  try {
    for (const file of [DETECTOR_FILES.ssd, DETECTOR_FILES.landmarks, DETECTOR_FILES.tiny]) opened.push(await open(file));
    const anchors = anchorsFromBytes(await readFile(path.join(dir, DETECTOR_FILES.anchors)));
    const [ssd, landmarks, tiny] = opened as [OrtSession, OrtSession, OrtSession];
    return { runtime: backend.runtime, ssd, landmarks, tiny, anchors, ...(backend.note === undefined ? {} : { note: backend.note }) };
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
 * Opens (or shares) the ONNX detection models in `dir`, with the backend's note when onnxruntime-web runs. Throws
 * HowoldError 'engine_unavailable' when no onnxruntime or the model files cannot be loaded.
 */
export async function createOnnxEngine(dir = DETECTOR_MODEL_DIR): Promise<{ engine: DetectionEngine; note?: string }> {
  let entry = shared.get(dir);
  if (!entry) {
    entry = { sessions: openSessions(dir), users: 0 };
    shared.set(dir, entry);
  }
  entry.users += 1;
  let s: DetectorSessions & { note?: string };
  try {
    s = await entry.sessions;
  } catch (err) {
    if (shared.get(dir) === entry) shared.delete(dir);
    throw new HowoldError('engine_unavailable', `ONNX detector cannot load (${errorMessage(err)})`);
  }
  const engine = ortDetectionEngine(s, () => release(dir));
  return s.note === undefined ? { engine } : { engine, note: s.note };
}
