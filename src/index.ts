/**
 * howold: how old is each person in a photo. Face detection, alignment and age estimation in TypeScript.
 *
 * ```ts
 * import { createAgeEstimator } from 'howold';
 *
 * const estimate = await createAgeEstimator(); // loads the shipped model (models/default) and the face detector
 * const faces = await estimate('examples/astronaut.png'); // a path, encoded bytes (Buffer) or RGB pixels
 * // [{ box: { x: 181.1, y: 72.9, width: 83.3, height: 101.7 }, score: 0.965,
 * //    landmarks: { leftEye: { x: 202.2, y: 100.2 }, rightEye: {...}, nose: {...}, mouthLeft: {...}, mouthRight: {...}, points: [68] },
 * //    age: 32.0, low: 24.8, high: 40.1,   (expected age; 10th and 90th percentile of the distribution)
 * //    distribution: [101 probabilities, ages 0..100], gender: { label: 'female', probability: 0.98 } }]
 * const more = await estimate('party.jpg', { minScore: 0.3, interval: [0.05, 0.95] }); // per-call options
 *
 * // an array: every face of every photo in one model call, one result per photo, in order; a bad photo never throws
 * for (const r of await estimate(['a.jpg', 'b.jpg'])) {
 *   if (r.error) console.log(r.input, r.error.code); // 'not_an_image', 'corrupt', ... (HowoldErrorCode)
 *   else console.log(r.input, r.width, r.height, r.faces.map((f) => f.age));
 * }
 * if (estimate.note) console.warn(estimate.note); // set on a slower fallback engine (onnxruntime-node not installed)
 * await estimate.dispose(); // a second call does nothing; estimate() after it throws HowoldError 'disposed'
 * ```
 *
 * Inference only: `howold` loads no TF.js. Training is `howold/train`, TF.js -> ONNX `howold/export`, the browser
 * build `howold/browser`, datasets and shards `howold/data`, HTML reports `howold/report`, the job queue `howold/queue`.
 *
 * Every error raised on purpose is a HowoldError with a `code` ('not_an_image', 'corrupt', 'too_many_pixels',
 * 'model_not_found', ...: a HowoldErrorCode, each described in ERROR_CODES) and a one-line message naming the file.
 * The library never writes to stdout or stderr.
 */
export {
  createAgeEstimator,
  DEFAULT_MODEL_DIR,
  type AgeCallOptions,
  type AgeEstimator,
  type AgeEstimatorOptions,
  type EstimateBatchOptions,
  type EstimateOptions,
  type EstimateResult,
  type PhotoEstimate,
  type PhotoFailure,
  type PhotoFaces,
} from './infer/estimator.js';
export { readModelMeta, type ModelMeta } from './core/model-meta.js';
export type { Engine } from './infer/onnx-runner.js';
export type { DatasetFormat } from './data/readers/index.js';
export type {
  AgeEstimate,
  Box,
  DetectedFace,
  Face,
  FaceLandmarks,
  Gender,
  LabelledRow,
  Point,
  Preprocessing,
  RgbImage,
} from './core/types.js';

export { ArgumentError, ERROR_CODES, errorCode, errorMessage, HowoldError, InputError, type HowoldErrorCode } from './core/errors.js';
export { DEFAULT_MAX_BYTES, formatBytes } from './core/read-file.js';
export { missingTfjs, TFJS_INSTALL } from './core/optional.js';
export { writeFileAtomic } from './core/atomic.js';

export {
  decodeImage,
  encodeImage,
  isRgbImage,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MAX_SIDE,
  type DecodeOptions,
  type ImageInput,
} from './image/decode.js';
export { alignFace, cropBox, faceApiBox, CROP_FILLS, FACE_ALIGNS, DEFAULT_MARGIN, LANDMARK_BOX_MARGIN, type AlignSpec, type CropFill } from './image/align.js';
export { toPhotoPixels, type DecodedImage } from './image/photo-pixels.js';

export {
  createFaceDetector,
  DEFAULT_DETECTOR_OPTIONS,
  FACE_DETECTORS,
  type DetectOptions,
  type DetectorMode,
  type DetectorOptions,
  type FaceDetector,
  type FaceDetectorName,
} from './detect/index.js';

export { defaultDetectorMode, evaluate, scoreEval, type EvalOptions, type EvalPrediction, type EvalResult } from './eval/evaluate.js';
export { chooseReadout, fitTemperature, intervalCoverage, type CalibrationSample } from './eval/calibrate.js';
export { applyTemperature } from './models/dex.js';
export type { AgeCalibration, AgeReadout, SizeScaling } from './core/model-meta.js';
export { ageMetrics, formatMetrics, AGE_BANDS, type AgeMetrics, type AgePrediction, type BandMetrics } from './eval/metrics.js';
export { groupMetrics, groupScheme, type GroupMetrics, type GroupPrediction, type GroupStats, type GroupSummary } from './eval/groups.js';
export {
  thresholdMetrics,
  truthSide,
  DEFAULT_THRESHOLD,
  type ThresholdErrors,
  type ThresholdMetrics,
  type ThresholdPrediction,
} from './eval/threshold.js';
export { formatEval, formatGroupMetrics, formatThreshold } from './eval/format.js';
export { evalMarkdown, type MarkdownOptions } from './eval/markdown.js';
export { groupMiddle, groupSpan, inGroup, parseAgeGroup, yearsOutside, OPEN_GROUP_WIDTH, type AgeGroup } from './core/age-group.js';
export { detectedFaceToJson, faceToJson, underJson, type FaceJson } from './infer/photos.js';
export { probabilityUnder } from './infer/age-pipeline.js';
export { layoutTags, tagColour, type Rect, type TagSpot } from './core/tag-layout.js';
