// Face detection in Node: opens an engine (the ONNX models on backends/onnx.ts, or face-api on TF.js) and runs
// the shared pipeline (pipeline.ts) with it.
import { errorMessage, HowoldError } from '../core/errors.js';
import { isMissingTfjs, TFJS_INSTALL } from '../core/optional.js';
import type { DetectionEngine, DetectorEngine } from './engine.js';
import { isBadDetectorFolder } from './ort-engine.js';
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

/**
 * The engine asked for; 'onnx' falls back to TF.js with a note saying why, unless its folder is there but wrong
 * (detector.json). Engines load lazily: TF.js is large.
 */
async function openEngine(wanted: DetectorEngine): Promise<{ engine: DetectionEngine; note?: string }> {
  if (wanted === 'onnx') {
    try {
      const { createOnnxEngine } = await import('./onnx-engine.js');
      return await createOnnxEngine();
    } catch (err) {
      if (isBadDetectorFolder(err)) throw err;
      return { engine: await openTfjsEngine(errorMessage(err)), note: `${errorMessage(err)}; running face-api on TF.js` };
    }
  }
  return { engine: await openTfjsEngine() };
}

/** face-api on TF.js, both optional dependencies: a missing one is a 'missing_dependency' error saying what to install. */
async function openTfjsEngine(onnxFailure?: string): Promise<DetectionEngine> {
  let mod: typeof import('./tfjs-engine.js');
  try {
    mod = await import('./tfjs-engine.js');
  } catch (err) {
    if (!isMissingTfjs(err)) throw err;
    const why = onnxFailure === undefined ? '' : ` (${onnxFailure})`;
    throw new HowoldError('missing_dependency', `the TF.js detector needs its optional dependencies${why}: ${TFJS_INSTALL}`);
  }
  return mod.createTfjsEngine();
}

export async function createFaceDetector(options?: DetectorOptions): Promise<FaceDetector> {
  const opts = checkDetectorOptions(options);
  const { engine, note } = await openEngine(opts.engine);
  return detectorFromEngine(engine, opts, note);
}
