// Face detection in Node: opens an engine (the ONNX models on onnxruntime-node, or face-api on TF.js) and runs
// the shared pipeline (pipeline.ts) with it.
import { errorMessage } from '../core/errors.js';
import type { DetectionEngine, DetectorEngine } from './engine.js';
import { checkDetectorOptions, detectorFromEngine, type DetectorOptions, type FaceDetector } from './pipeline.js';

export {
  DEFAULT_DETECTOR_OPTIONS,
  FACE_DETECTORS,
  iou,
  landmarkCrop,
  landmarksFrom68,
  type DetectOptions,
  type DetectorMode,
  type DetectorOptions,
  type FaceDetector,
  type FaceDetectorName,
} from './pipeline.js';
export { faceApiModelDir } from './paths.js';
export type { DetectorEngine };

/** The engine asked for; 'onnx' falls back to TF.js with a note saying why. Engines load lazily: TF.js is large. */
async function openEngine(wanted: DetectorEngine): Promise<{ engine: DetectionEngine; note?: string }> {
  if (wanted === 'onnx') {
    try {
      const { createOnnxEngine } = await import('./onnx-engine.js');
      return { engine: await createOnnxEngine() };
    } catch (err) {
      const { createTfjsEngine } = await import('./tfjs-engine.js');
      return { engine: await createTfjsEngine(), note: `${errorMessage(err)}; running face-api on TF.js` };
    }
  }
  const { createTfjsEngine } = await import('./tfjs-engine.js');
  return { engine: await createTfjsEngine() };
}

export async function createFaceDetector(options?: DetectorOptions): Promise<FaceDetector> {
  const opts = checkDetectorOptions(options);
  const { engine, note } = await openEngine(opts.engine);
  return detectorFromEngine(engine, opts, note);
}
