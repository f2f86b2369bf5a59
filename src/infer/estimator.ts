// The AgeEstimator: image → detect → align → one batched model call → faces with ages, intervals and gender.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgeEstimate, DetectedFace, Face, Preprocessing, RgbImage } from '../core/types.js';
import { checkBoolean, checkNumber, checkOneOf, invalid, isPlainObject } from '../core/checks.js';
import { checkDecodeOptions, decodeImage, type DecodeOptions, type ImageInput } from '../image/decode.js';
import { createFaceDetector, type DetectOptions, type DetectorOptions, type FaceDetector } from '../detect/index.js';
import { createOnnxRunner, type Engine, type ModelRunner } from './onnx-runner.js';
import { HowoldError } from '../core/errors.js';
import { DEFAULT_MODEL_DIR, readModelMeta, type ModelMeta } from '../core/model-meta.js';
import { agePipeline } from './age-pipeline.js';
import {
  checkAgeCallOptions,
  checkImageName,
  checkImageNames,
  checkInterval,
  decodeSlots,
  facesOrThrow,
  type AgeCallOptions,
  type EstimateResult,
} from './estimate-call.js';
import { isMissingTfjs, TFJS_INSTALL } from '../core/optional.js';

export { averageMirrored, cropsToInput, toEstimates, type PhotoFaces } from './age-pipeline.js';
export type { AgeCallOptions, EstimateResult, PhotoEstimate, PhotoFailure } from './estimate-call.js';

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
  /** Quantiles of the predicted age distribution reported as `low` and `high`. Default [0.1, 0.9]; per call too. */
  interval?: [number, number];
  /** The face detector's options; `minScore` and `faceDetector` can also be given per call. */
  detector?: DetectorOptions;
  /** Decoding limits (maxPixels, maxSide, maxBytes) for every call; a call's own `decode` replaces them. */
  decode?: DecodeOptions;
  /** Also run each face mirrored and average the two distributions (test-time augmentation). Default true; per call too. */
  flip?: boolean;
  /** Apply the model's calibration (howold.json `calibration`, fitted by `howold calibrate`). Default true. */
  calibrated?: boolean;
}

/** Options of a one-image call: `estimate(image, options)`. */
export interface EstimateOptions extends AgeCallOptions {
  /** The name in error messages. Default: the path, else 'image'. */
  name?: string;
  /** Decoding limits for this call. Default: the estimator's `decode`. */
  decode?: DecodeOptions;
}

/** Options of an array call: `estimate([a, b], options)`. */
export interface EstimateBatchOptions extends AgeCallOptions {
  /** One name per image, for `result.input` and error messages. Default: the path, else 'image i'. */
  names?: string[];
  /** Decoding limits for this call. Default: the estimator's `decode`. */
  decode?: DecodeOptions;
}

export interface AgeEstimator {
  /**
   * The faces in one image (a path, encoded bytes, or RGB pixels), each with its age, in the image's own pixels.
   * A bad image throws a HowoldError ('not_an_image', 'corrupt', ...). `options` override the estimator's for this
   * call: `estimate('party.jpg', { minScore: 0.3 })`.
   */
  (image: ImageInput, options?: EstimateOptions): Promise<Face[]>;
  /**
   * Several images, every face of all of them in one model call: one result per image, in order, each
   * `{ input, width, height, faces }` or, for an image that cannot be used, `{ input, error }` (never a throw).
   * A bad option or argument still throws.
   */
  (images: readonly ImageInput[], options?: EstimateBatchOptions): Promise<EstimateResult[]>;
  (input: ImageInput | readonly ImageInput[], options?: EstimateOptions | EstimateBatchOptions): Promise<Face[] | EstimateResult[]>;
  /** Ages of face crops already made by `alignFace` with this model's preprocessing. */
  estimateCrops(crops: RgbImage[], options?: Pick<AgeCallOptions, 'interval' | 'flip'>): Promise<AgeEstimate[]>;
  /** Detect and align: the crops this model expects, for callers that pick faces themselves (eval). */
  detectAndAlign(image: RgbImage, options?: DetectOptions): Promise<{ faces: DetectedFace[]; crops: RgbImage[] }>;
  readonly meta: ModelMeta;
  readonly preprocessing: Preprocessing;
  readonly detector: FaceDetector;
  /** Which engine runs the age model ('onnxruntime-node', 'onnxruntime-web' or 'tfjs'). */
  readonly engine: Engine;
  /**
   * Set when the age model or the detector runs on a slower engine than onnxruntime-node: one line saying which,
   * why, and what to install for the fast one. The library never prints it; howold's CLI prints it on stderr.
   */
  readonly note?: string;
  /** Releases the model and the detector. A second call does nothing; any call after it throws HowoldError 'disposed'. */
  dispose(): Promise<void>;
}

/** Something estimate() can decode: a path, encoded bytes, or an RgbImage-shaped object (checked when decoded). */
function checkImageInput(value: unknown, name: string): ImageInput {
  if (typeof value === 'string' || value instanceof Uint8Array || isPlainObject(value)) return value as ImageInput;
  throw invalid('a path, encoded image bytes or RGB pixels', name, value);
}

function checkOptions(options: unknown): AgeEstimatorOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalid('an options object', 'options', options);
  const o = options as AgeEstimatorOptions;
  if (o.engine !== undefined) checkOneOf(o.engine, 'options.engine', ['onnx', 'tfjs']);
  if (o.threads !== undefined) checkNumber(o.threads, 'options.threads', 1, 64);
  if (o.flip !== undefined) checkBoolean(o.flip, 'options.flip');
  if (o.calibrated !== undefined) checkBoolean(o.calibrated, 'options.calibrated');
  if (o.interval !== undefined) checkInterval(o.interval, 'options.interval');
  if (o.decode !== undefined) checkDecodeOptions(o.decode, 'options.decode');
  return o;
}

/** The age model's and the detector's notes, each once (both say the same when onnxruntime-node is missing). */
function engineNote(runner: ModelRunner, detector: FaceDetector): { note?: string } {
  const notes = [...new Set([runner.note, detector.note].filter((n): n is string => n !== undefined))];
  return notes.length === 0 ? {} : { note: notes.join('; ') };
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

  let disposed = false;
  const live = () => {
    if (disposed) throw new HowoldError('disposed', 'this AgeEstimator has been disposed (dispose() was called)');
  };
  const decodeWith = (decode: DecodeOptions | undefined) => (input: ImageInput, name: string) => decodeImage(input, decode, name);

  const estimateOne = async (image: unknown, options?: EstimateOptions): Promise<Face[]> => {
    const call = checkAgeCallOptions(options);
    const name = checkImageName(options) ?? (typeof image === 'string' ? image : 'image');
    const decode = options?.decode === undefined ? o.decode : checkDecodeOptions(options.decode, 'options.decode');
    const slots = await decodeSlots([checkImageInput(image, 'image')], [name], decodeWith(decode));
    return facesOrThrow((await pipeline.estimateDecoded(slots, call))[0]);
  };

  const estimateAll = async (images: readonly unknown[], options?: EstimateBatchOptions): Promise<EstimateResult[]> => {
    const call = checkAgeCallOptions(options);
    const inputs = images.map((image, i) => checkImageInput(image, `images[${i}]`));
    const names = checkImageNames(options, inputs.length) ?? inputs.map((input, i) => (typeof input === 'string' ? input : `image ${i}`));
    const decode = options?.decode === undefined ? o.decode : checkDecodeOptions(options.decode, 'options.decode');
    return pipeline.estimateDecoded(await decodeSlots(inputs, names, decodeWith(decode)), call);
  };

  const estimate = (async (input: unknown, options?: EstimateOptions | EstimateBatchOptions) => {
    live();
    return Array.isArray(input) ? estimateAll(input, options as EstimateBatchOptions) : estimateOne(input, options as EstimateOptions);
  }) as AgeEstimator;

  return Object.assign(estimate, {
    async estimateCrops(crops: RgbImage[], options?: Pick<AgeCallOptions, 'interval' | 'flip'>) {
      live();
      return pipeline.estimateCrops(crops, options);
    },
    async detectAndAlign(image: RgbImage, options?: DetectOptions) {
      live();
      return pipeline.detectAndAlign(image, options);
    },
    meta,
    preprocessing: p,
    detector,
    engine: runner.engine,
    ...engineNote(runner, detector),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await detector.dispose();
      await runner.dispose();
    },
  });
}
