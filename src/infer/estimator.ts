// The AgeEstimator: image → detect → align → one batched model call → faces with ages, intervals and gender.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgeEstimate, DetectedFace, Face, Preprocessing, RgbImage } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { checkNumber, checkOneOf, invalid, isPlainObject } from '../core/checks.js';
import { decodeImage, toPhotoPixels, type DecodedImage, type DecodeOptions, type ImageInput } from '../image/decode.js';
import { alignFace } from '../image/align.js';
import { createFaceDetector, type DetectorOptions, type FaceDetector } from '../detect/index.js';
import { ageInterval, expectedAge } from '../models/dex.js';
import { createOnnxRunner, createTfjsRunner, type ModelRunner } from './onnx-runner.js';
import { loadLayersModelFromFolder } from '../export/fs-io.js';
import { initBackend } from '../tf/backend.js';
import { DEFAULT_MODEL_DIR, readModelMeta, type ModelMeta } from '../core/model-meta.js';

export { DEFAULT_MODEL_DIR };


export interface AgeEstimatorOptions {
  /** A model folder (howold.json + model.onnx and/or model.json). Default: the shipped model. */
  model?: string;
  /** 'onnx' (default; onnxruntime, falling back to TF.js if it cannot load) or 'tfjs'. */
  engine?: 'onnx' | 'tfjs';
  /** onnxruntime threads per call. Default 1 (2 was not faster on 2 cores; see BENCHMARKS.md). */
  threads?: number;
  /** Quantiles of the predicted age distribution reported as `low` and `high`. Default [0.1, 0.9]. */
  interval?: [number, number];
  detector?: DetectorOptions;
  decode?: DecodeOptions;
  /** Also run each face mirrored and average the two distributions (test-time augmentation). Default true. */
  flip?: boolean;
}

export interface AgeEstimator {
  /** The faces in one image (a path, encoded bytes, or RGB pixels), each with its age. */
  (image: ImageInput): Promise<Face[]>;
  /** Several images with all their faces in one model call; a bad image gives its error, never a throw. */
  estimateMany(images: ImageInput[]): Promise<(Face[] | Error)[]>;
  /** Like estimateMany, with each photo's own size: boxes and landmarks are in the photo's pixels. */
  estimatePhotos(images: ImageInput[], options?: PhotoOptions): Promise<(PhotoFaces | Error)[]>;
  /** Ages of face crops already made by `alignFace` with this model's preprocessing. */
  estimateCrops(crops: RgbImage[]): Promise<AgeEstimate[]>;
  /** Detect and align: the crops this model expects, for callers that pick faces themselves (eval). */
  detectAndAlign(image: RgbImage): Promise<{ faces: DetectedFace[]; crops: RgbImage[] }>;
  readonly meta: ModelMeta;
  readonly preprocessing: Preprocessing;
  readonly detector: FaceDetector;
  /** Which engine runs the age model ('onnxruntime-node' or 'tfjs'). */
  readonly engine: string;
  dispose(): Promise<void>;
}

export interface PhotoFaces {
  /** Size of the photo as displayed (EXIF orientation applied), the space of every box and landmark. */
  width: number;
  height: number;
  faces: Face[];
}

export interface PhotoOptions {
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
  if (o.interval !== undefined) {
    if (!Array.isArray(o.interval) || o.interval.length !== 2) throw invalid('[low, high] quantiles', 'options.interval', o.interval);
    checkNumber(o.interval[0], 'options.interval[0]', 0, 1);
    checkNumber(o.interval[1], 'options.interval[1]', o.interval[0], 1);
  }
  return o;
}

/** (pixel − mean) / std into one NHWC float32 batch; with `mirrored`, the same crops again, flipped left-right. */
export function cropsToInput(crops: RgbImage[], p: Preprocessing, mirrored = false): Float32Array {
  const size = p.inputSize;
  const pixels = size * size;
  const input = new Float32Array(crops.length * pixels * 3 * (mirrored ? 2 : 1));
  crops.forEach((crop, n) => {
    if (crop.width !== size || crop.height !== size) {
      throw new Error(`crop is ${crop.width}x${crop.height}, the model expects ${size}x${size}`);
    }
    const offset = n * pixels * 3;
    const flipOffset = (crops.length + n) * pixels * 3;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 3;
        const r = (crop.data[i]! - p.mean[0]) / p.std[0];
        const g = (crop.data[i + 1]! - p.mean[1]) / p.std[1];
        const b = (crop.data[i + 2]! - p.mean[2]) / p.std[2];
        input[offset + i] = r;
        input[offset + i + 1] = g;
        input[offset + i + 2] = b;
        if (mirrored) {
          const j = flipOffset + (y * size + (size - 1 - x)) * 3;
          input[j] = r;
          input[j + 1] = g;
          input[j + 2] = b;
        }
      }
    }
  });
  return input;
}

/** Averages the outputs of the first and second half of a batch (a face and its mirror image). */
export function averageMirrored(outputs: Record<string, Float32Array>, count: number): Record<string, Float32Array> {
  const averaged: Record<string, Float32Array> = {};
  for (const [name, values] of Object.entries(outputs)) {
    const half = values.length / 2;
    const out = new Float32Array(half);
    for (let i = 0; i < half; i++) out[i] = (values[i]! + values[i + half]!) / 2;
    averaged[name] = out;
  }
  if (Object.values(averaged).some((v) => v.length % count !== 0)) throw new Error('model outputs do not split by face');
  return averaged;
}

/** Turns the model's outputs for `count` faces into age estimates. */
export function toEstimates(outputs: Record<string, Float32Array>, count: number, classes: number, quantiles: [number, number]): AgeEstimate[] {
  const ages = outputs.age;
  if (!ages) throw new Error(`the model has no 'age' output (outputs: ${Object.keys(outputs).join(', ')})`);
  const genders = outputs.gender;
  const estimates: AgeEstimate[] = [];
  for (let n = 0; n < count; n++) {
    const probs = ages.subarray(n * classes, (n + 1) * classes);
    const { low, high } = ageInterval(probs, quantiles[0], quantiles[1]);
    const estimate: AgeEstimate = { age: expectedAge(probs), low, high, distribution: Array.from(probs) };
    if (genders) {
      const female = genders[n * 2 + 1]!;
      estimate.gender = female >= 0.5 ? { label: 'female', probability: female } : { label: 'male', probability: 1 - female };
    }
    estimates.push(estimate);
  }
  return estimates;
}

export async function createAgeEstimator(options?: AgeEstimatorOptions): Promise<AgeEstimator> {
  const o = checkOptions(options);
  const dir = resolve(o.model ?? DEFAULT_MODEL_DIR);
  const meta = await readModelMeta(dir);
  const p = meta.preprocessing;
  const quantiles = o.interval ?? [0.1, 0.9];
  const onnxPath = join(dir, 'model.onnx');
  const tfjsFallback = async () => {
    await initBackend();
    return loadLayersModelFromFolder(dir);
  };
  let runner: ModelRunner;
  if ((o.engine ?? 'onnx') === 'onnx' && existsSync(onnxPath)) {
    runner = await createOnnxRunner(onnxPath, { intraOpNumThreads: o.threads, fallback: tfjsFallback });
  } else {
    runner = createTfjsRunner(await tfjsFallback());
  }
  const detector = await createFaceDetector(o.detector);

  const estimateCrops = async (crops: RgbImage[]): Promise<AgeEstimate[]> => {
    if (crops.length === 0) return [];
    const flip = o.flip ?? true;
    const raw = await runner.run(cropsToInput(crops, p, flip), crops.length * (flip ? 2 : 1));
    const outputs = flip ? averageMirrored(raw, crops.length) : raw;
    return toEstimates(outputs, crops.length, meta.outputs.ageClasses, quantiles);
  };

  const detectAndAlign = async (image: RgbImage) => {
    const faces = await detector.detect(image);
    return { faces, crops: faces.map((face) => alignFace(image, face, { size: p.inputSize, margin: p.margin, align: p.align })) };
  };

  const estimatePhotos = async (images: ImageInput[], options: PhotoOptions = {}): Promise<(PhotoFaces | Error)[]> => {
    const found: ({ image: DecodedImage; faces: DetectedFace[]; crops: RgbImage[] } | Error)[] = [];
    for (const [i, input] of images.entries()) {
      try {
        const name = options.names?.[i] ?? (typeof input === 'string' ? input : `image ${i}`);
        const image = await decodeImage(input, options.decode ?? o.decode, name);
        found.push({ image, ...(await detectAndAlign(image)) });
      } catch (err) {
        found.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const allCrops = found.flatMap((f) => (f instanceof Error ? [] : f.crops));
    const estimates = await estimateCrops(allCrops);
    let next = 0;
    return found.map((f) => {
      if (f instanceof Error) return f;
      const { image } = f;
      const faces = f.faces.map((face) => toPhotoPixels({ ...face, ...estimates[next++]! }, image));
      return { width: image.originalWidth, height: image.originalHeight, faces };
    });
  };

  const estimateMany = async (images: ImageInput[]): Promise<(Face[] | Error)[]> =>
    (await estimatePhotos(images)).map((r) => (r instanceof Error ? r : r.faces));

  const estimate = (async (image: ImageInput): Promise<Face[]> => {
    const [result] = await estimateMany([image]);
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
