// Face detection with @vladmandic/face-api: SSD-MobileNetV1 for photos, TinyFaceDetector for close-ups,
// 68-point landmarks for every face. Weights load from node_modules, never from the network.
// Why these settings: see the "Detection" section of BENCHMARKS.md (measured on the group photos and UTKFace).
import { createRequire } from 'node:module';
import path from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { checkInteger, checkNumber, checkOneOf, isPlainObject, invalid } from '../core/checks.js';
import type { Box, DetectedFace, FaceLandmarks, Point, RgbImage } from '../core/types.js';
import { checkRgbImage } from '../image/align.js';
import { initBackend, tf } from '../tf/backend.js';

export type DetectorMode = 'photo' | 'crop';

export interface DetectorOptions {
  /**
   * 'photo' (default): SSD-MobileNetV1 over the whole image; when it finds nothing, the close-up passes (a face
   * that fills the frame). 'crop': the close-up passes only, for images known to be tight face crops
   * (UTKFace-style): ~15x faster.
   */
  mode?: DetectorMode;
  /** Lowest SSD-MobileNetV1 score kept in photo mode. Default 0.5 (face-api's default). */
  minScore?: number;
  /** Lowest TinyFaceDetector score kept by the close-up passes. Default 0.3. */
  closeupMinScore?: number;
  /** Keep at most this many faces, highest score first. Default 100. */
  maxFaces?: number;
}

export interface FaceDetector {
  /** Faces in `image`, highest score first. Boxes and landmarks are in `image` pixels; boxes may reach past its edges. */
  detect(image: RgbImage): Promise<DetectedFace[]>;
  /** Releases this detector; the shared weights are freed when the last detector is disposed. */
  dispose(): void;
}

export const DEFAULT_DETECTOR_OPTIONS: Readonly<Required<DetectorOptions>> = Object.freeze({
  mode: 'photo',
  minScore: 0.5,
  closeupMinScore: 0.3,
  maxFaces: 100,
});

/**
 * Close-up passes, tried in order until one finds a face. TinyFaceDetector finds a face that fills the frame once
 * the image gets a grey border (`pad` x the longer side on each side) and a small input size; the two settings
 * miss different faces, so the second runs only when the first finds nothing.
 */
const CLOSEUP_PASSES = [
  { inputSize: 128, pad: 0.5 },
  { inputSize: 160, pad: 0.3 },
] as const;
const PAD_VALUE = 128;

type Net = { isLoaded: boolean; loadFromDisk(dir: string): Promise<void>; dispose(throwOnRedispose?: boolean): void };
const NETS: Net[] = [faceapi.nets.ssdMobilenetv1, faceapi.nets.tinyFaceDetector, faceapi.nets.faceLandmark68Net];
let users = 0;
let loading: Promise<void> | undefined;

/** The folder holding face-api's weights inside node_modules. */
export function faceApiModelDir(): string {
  const pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  return path.join(path.dirname(pkg), 'model');
}

async function loadNets(): Promise<void> {
  await initBackend();
  loading ??= (async () => {
    const dir = faceApiModelDir();
    for (const net of NETS) if (!net.isLoaded) await net.loadFromDisk(dir);
  })().finally(() => {
    loading = undefined;
  });
  await loading;
}

function checkOptions(options: unknown): Required<DetectorOptions> {
  if (options === undefined) return { ...DEFAULT_DETECTOR_OPTIONS };
  if (!isPlainObject(options)) throw invalid('an object', 'options', options);
  const o = options as DetectorOptions;
  return {
    mode: o.mode === undefined ? DEFAULT_DETECTOR_OPTIONS.mode : checkOneOf(o.mode, 'options.mode', ['photo', 'crop'] as const),
    minScore: o.minScore === undefined ? DEFAULT_DETECTOR_OPTIONS.minScore : checkNumber(o.minScore, 'options.minScore', 0.01, 0.99),
    closeupMinScore: o.closeupMinScore === undefined
      ? DEFAULT_DETECTOR_OPTIONS.closeupMinScore
      : checkNumber(o.closeupMinScore, 'options.closeupMinScore', 0.01, 0.99),
    maxFaces: o.maxFaces === undefined ? DEFAULT_DETECTOR_OPTIONS.maxFaces : checkInteger(o.maxFaces, 'options.maxFaces', 1),
  };
}

export async function createFaceDetector(options?: DetectorOptions): Promise<FaceDetector> {
  const opts = checkOptions(options);
  users += 1;
  try {
    await loadNets();
  } catch (err) {
    release();
    throw err;
  }
  let disposed = false;
  return {
    async detect(image: RgbImage): Promise<DetectedFace[]> {
      if (disposed) throw new Error('FaceDetector.detect called after dispose()');
      checkRgbImage(image);
      return detectFaces(image, opts);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      release();
    },
  };
}

function release(): void {
  users -= 1;
  if (users === 0 && !loading) for (const net of NETS) if (net.isLoaded) net.dispose();
}

async function detectFaces(image: RgbImage, opts: Required<DetectorOptions>): Promise<DetectedFace[]> {
  const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    let faces: DetectedFace[] = [];
    if (opts.mode === 'photo') {
      const found = await faceapi
        .detectAllFaces(pixels as unknown as faceapi.TNetInput, new faceapi.SsdMobilenetv1Options({ minConfidence: opts.minScore, maxResults: opts.maxFaces }))
        .withFaceLandmarks();
      faces = found.map((f) => toDetectedFace(f, 0));
    }
    // Only when SSD finds nothing: run always, the close-up pass also re-finds SSD's faces with loose boxes.
    if (faces.length === 0) faces = await detectCloseup(pixels, image, opts.closeupMinScore);
    return faces.sort((a, b) => b.score - a.score).slice(0, opts.maxFaces);
  } finally {
    pixels.dispose();
  }
}

async function detectCloseup(pixels: tf.Tensor3D, image: RgbImage, minScore: number): Promise<DetectedFace[]> {
  for (const pass of CLOSEUP_PASSES) {
    const border = Math.round(Math.max(image.width, image.height) * pass.pad);
    const padded = tf.pad(pixels, [[border, border], [border, border], [0, 0]], PAD_VALUE);
    try {
      const found = await faceapi
        .detectAllFaces(padded as unknown as faceapi.TNetInput, new faceapi.TinyFaceDetectorOptions({ inputSize: pass.inputSize, scoreThreshold: minScore }))
        .withFaceLandmarks();
      if (found.length > 0) return found.map((f) => toDetectedFace(f, border));
    } finally {
      padded.dispose();
    }
  }
  return [];
}

type FaceApiResult = faceapi.WithFaceLandmarks<{ detection: faceapi.FaceDetection }, faceapi.FaceLandmarks68>;

/** Maps a face-api result to howold's types, shifted back by the border added before detection. */
function toDetectedFace(result: FaceApiResult, border: number): DetectedFace {
  const { box, score } = result.detection;
  const points = result.landmarks.positions.map((p) => ({ x: p.x - border, y: p.y - border }));
  return {
    box: { x: box.x - border, y: box.y - border, width: box.width, height: box.height },
    score,
    landmarks: landmarksFrom68(points),
  };
}

/**
 * The five named landmarks from the 68-point (iBUG 300-W) layout. Left and right are as seen in the image:
 * `leftEye` is the eye nearer the image's left edge (points 36-41), the person's right eye.
 */
export function landmarksFrom68(points: Point[]): FaceLandmarks {
  if (points.length !== 68) throw invalid('68 landmark points', 'points', points);
  return {
    leftEye: mean(points.slice(36, 42)),
    rightEye: mean(points.slice(42, 48)),
    nose: points[30],
    mouthLeft: points[48],
    mouthRight: points[54],
    points,
  };
}

function mean(points: Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  return { x: x / points.length, y: y / points.length };
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}
