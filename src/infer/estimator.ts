// The AgeEstimator: image → detect → align → one batched model call → faces with ages, intervals and gender.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgeEstimate, DetectedFace, Face, Preprocessing, RgbImage } from '../core/types.js';
import { checkNumber, checkOneOf, invalid, isPlainObject } from '../core/checks.js';
import { decodeImage, type DecodedImage, type DecodeOptions, type ImageInput } from '../image/decode.js';
import { createFaceDetector, type DetectOptions, type DetectorOptions, type FaceDetector } from '../detect/index.js';
import { createOnnxRunner, type ModelRunner } from './onnx-runner.js';
import { HowoldError } from '../core/errors.js';
import { DEFAULT_MODEL_DIR, readModelMeta, type ModelMeta } from '../core/model-meta.js';
import { agePipeline, type PhotoFaces } from './age-pipeline.js';
import { checkDetectOptions } from '../detect/pipeline.js';
import { isMissingTfjs, TFJS_INSTALL } from '../core/optional.js';

export { averageMirrored, cropsToInput, toEstimates, type PhotoFaces } from './age-pipeline.js';

export { DEFAULT_MODEL_DIR };

export interface AgeEstimatorOptions {
  /** A model folder (howold.json + model.onnx and/or model.json). Default: the shipped model. */
  model?: string;
  /**
   * 'onnx' (default): onnxruntime-node where installed, else onnxruntime-web's wasm; TF.js only if neither loads.
   * 'tfjs': the TF.js model (needs the optional @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm).
   */
  engine?: 'onnx' | 'tfjs';
  /** onnxruntime threads per call. Default 1 (2 was not faster on 2 cores; see BENCHMARKS.md). */
  threads?: number;
  /** Quantiles of the predicted age distribution reported as `low` and `high`. Default [0.1, 0.9]. */
  interval?: [number, number];
  /** The face detector's options; `minScore` and `faceDetector` can also be given per call. */
  detector?: DetectorOptions;
  decode?: DecodeOptions;
  /** Also run each face mirrored and average the two distributions (test-time augmentation). Default true. */
  flip?: boolean;
  /** Apply the model's calibration (howold.json `calibration`, fitted by `howold calibrate`). Default true. */
  calibrated?: boolean;
}

export interface AgeEstimator {
  /**
   * The faces in one image (a path, encoded bytes, or RGB pixels), each with its age; `options` override the
   * detector's minScore and faceDetector for this call: `estimate('party.jpg', { minScore: 0.3 })`.
   */
  (image: ImageInput, options?: DetectOptions): Promise<Face[]>;
  /** Several images with all their faces in one model call; a bad image gives its error, never a throw. */
  estimateMany(images: ImageInput[], options?: DetectOptions): Promise<(Face[] | Error)[]>;
  /** Like estimateMany, with each photo's own size: boxes and landmarks are in the photo's pixels. */
  estimatePhotos(images: ImageInput[], options?: PhotoOptions): Promise<(PhotoFaces | Error)[]>;
  /** Ages of face crops already made by `alignFace` with this model's preprocessing. */
  estimateCrops(crops: RgbImage[]): Promise<AgeEstimate[]>;
  /** Detect and align: the crops this model expects, for callers that pick faces themselves (eval). */
  detectAndAlign(image: RgbImage, options?: DetectOptions): Promise<{ faces: DetectedFace[]; crops: RgbImage[] }>;
  readonly meta: ModelMeta;
  readonly preprocessing: Preprocessing;
  readonly detector: FaceDetector;
  /** Which engine runs the age model ('onnxruntime-node', 'onnxruntime-web' or 'tfjs'). */
  readonly engine: string;
  dispose(): Promise<void>;
}

export interface PhotoOptions extends DetectOptions {
  decode?: DecodeOptions;
  /** Names for error messages, one per image (default: the path, or 'image N'). */
  names?: string[];
}



function checkOptions(options: unknown): AgeEstimatorOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalid('an options object', 'options', options);
  const o = options as AgeEstimatorOptions;
  if (o.engine !== undefined) checkOneOf(o.engine, 'options.engine', ['onnx', 'tfjs']);
  if (o.threads !== undefined) checkNumber(o.threads, 'options.threads', 1, 64);
  if (o.flip !== undefined && typeof o.flip !== 'boolean') throw invalid('a boolean', 'options.flip', o.flip);
  if (o.calibrated !== undefined && typeof o.calibrated !== 'boolean') throw invalid('a boolean', 'options.calibrated', o.calibrated);
  if (o.interval !== undefined) {
    if (!Array.isArray(o.interval) || o.interval.length !== 2) throw invalid('[low, high] quantiles', 'options.interval', o.interval);
    checkNumber(o.interval[0], 'options.interval[0]', 0, 1);
    checkNumber(o.interval[1], 'options.interval[1]', o.interval[0], 1);
  }
  return o;
}

/** The TF.js runner, loaded only when asked for: TF.js is an optional dependency that `howold` never imports. */
async function openTfjsRunner(dir: string, note?: string): Promise<ModelRunner> {
  let mod: typeof import('./tfjs-runner.js');
  try {
    mod = await import('./tfjs-runner.js');
  } catch (err) {
    if (!isMissingTfjs(err)) throw err;
    const why = note === undefined ? '' : ` (${note.replace(/; running the TF.js model$/, '')})`;
    throw new HowoldError('missing_dependency', `the TF.js engine needs its optional dependencies${why}: ${TFJS_INSTALL}`);
  }
  return mod.tfjsRunnerFromFolder(dir, note);
}

export async function createAgeEstimator(options?: AgeEstimatorOptions): Promise<AgeEstimator> {
  const o = checkOptions(options);
  const dir = resolve(o.model ?? DEFAULT_MODEL_DIR);
  const meta = await readModelMeta(dir);
  const p = meta.preprocessing;
  const quantiles = o.interval ?? [0.1, 0.9];
  const onnxPath = join(dir, 'model.onnx');
  const tfjs = (note?: string) => openTfjsRunner(dir, note);
  let runner: ModelRunner;
  if ((o.engine ?? 'onnx') === 'onnx' && existsSync(onnxPath)) {
    runner = await createOnnxRunner(onnxPath, {
      ...(o.threads === undefined ? {} : { intraOpNumThreads: o.threads }),
      fallback: (reason) => tfjs(`${reason}; running the TF.js model`),
    });
  } else {
    runner = await tfjs();
  }
  const detector = await createFaceDetector(o.detector);

  const pipeline = agePipeline(runner, detector, meta, { flip: o.flip, interval: quantiles, calibrated: o.calibrated });
  const { estimateCrops, detectAndAlign } = pipeline;

  const estimatePhotos = async (images: ImageInput[], options: PhotoOptions = {}): Promise<(PhotoFaces | Error)[]> => {
    const detect = checkDetectOptions({ minScore: options.minScore, faceDetector: options.faceDetector });
    const decoded: (DecodedImage | Error)[] = [];
    for (const [i, input] of images.entries()) {
      try {
        const name = options.names?.[i] ?? (typeof input === 'string' ? input : `image ${i}`);
        decoded.push(await decodeImage(input, options.decode ?? o.decode, name));
      } catch (err) {
        decoded.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return pipeline.estimateDecoded(decoded, detect);
  };

  const estimateMany = async (images: ImageInput[], options?: DetectOptions): Promise<(Face[] | Error)[]> =>
    (await estimatePhotos(images, checkDetectOptions(options))).map((r) => (r instanceof Error ? r : r.faces));

  const estimate = (async (image: ImageInput, options?: DetectOptions): Promise<Face[]> => {
    const [result] = await estimateMany([image], options);
    if (result instanceof Error) throw result;
    return result!;
  }) as AgeEstimator;

  let disposed = false;
  return Object.assign(estimate, {
    estimateMany,
    estimatePhotos,
    estimateCrops,
    detectAndAlign,
    meta,
    preprocessing: p,
    detector,
    engine: runner.engine,
    async dispose() {
      if (disposed) return;
      disposed = true;
      detector.dispose();
      await runner.dispose();
    },
  });
}
