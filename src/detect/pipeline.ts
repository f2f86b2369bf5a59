// Face detection: SSD-MobileNetV1 for photos, TinyFaceDetector for close-ups, 68-point landmarks for every face
// (face-api's networks and weights). Engines run the networks: ONNX models on onnxruntime-node (default where
// installed, ~5x faster) or onnxruntime-web (the browser entry, and Node without onnxruntime-node), and face-api itself on TF.js wasm (the reference, and the
// fallback). This file is the pipeline all of them share; it has no Node imports (the browser bundle includes it).
// Why these settings: see the "Detection" section of BENCHMARKS.md (measured on the group photos and UTKFace).
import { checkInteger, checkNumber, checkOneOf, isPlainObject, invalid } from '../core/checks.js';
import type { Box, DetectedFace, FaceLandmarks, Point, RgbImage } from '../core/types.js';
import { checkRgbImage } from '../image/align.js';
import type { DetectionEngine, DetectorEngine, ScoredBox } from './engine.js';
import { padImage } from './preprocess.js';

export type { DetectorEngine };
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
  /**
   * 'onnx' (default): face-api's networks exported to ONNX (models/detector) on onnxruntime-node where installed, else
   * onnxruntime-web's wasm (backends/onnx.ts), and 'tfjs' when neither loads (see FaceDetector.note). 'tfjs': face-api itself on TF.js. Same faces either way
   * (boxes within IoU 0.9, landmarks within ~1 px; tested).
   */
  engine?: DetectorEngine;
}

export interface FaceDetector {
  /** Faces in `image`, highest score first. Boxes and landmarks are in `image` pixels; boxes may reach past its edges. */
  detect(image: RgbImage): Promise<DetectedFace[]>;
  /** The engine running the networks. */
  readonly engine: DetectorEngine;
  /** Why the TF.js fallback runs instead of the ONNX engine, when it does. */
  readonly note?: string;
  /** Releases this detector; the shared weights are freed when the last detector is disposed. */
  dispose(): void;
}

export const DEFAULT_DETECTOR_OPTIONS: Readonly<Required<DetectorOptions>> = Object.freeze({
  mode: 'photo',
  minScore: 0.5,
  closeupMinScore: 0.3,
  maxFaces: 100,
  engine: 'onnx',
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

export function checkDetectorOptions(options: unknown): Required<DetectorOptions> {
  if (options === undefined) return { ...DEFAULT_DETECTOR_OPTIONS };
  if (!isPlainObject(options)) throw invalid('an object', 'options', options);
  const o = options as DetectorOptions;
  const d = DEFAULT_DETECTOR_OPTIONS;
  return {
    mode: o.mode === undefined ? d.mode : checkOneOf(o.mode, 'options.mode', ['photo', 'crop'] as const),
    minScore: o.minScore === undefined ? d.minScore : checkNumber(o.minScore, 'options.minScore', 0.01, 0.99),
    closeupMinScore: o.closeupMinScore === undefined ? d.closeupMinScore : checkNumber(o.closeupMinScore, 'options.closeupMinScore', 0.01, 0.99),
    maxFaces: o.maxFaces === undefined ? d.maxFaces : checkInteger(o.maxFaces, 'options.maxFaces', 1),
    engine: o.engine === undefined ? d.engine : checkOneOf(o.engine, 'options.engine', ['onnx', 'tfjs'] as const),
  };
}

/** A FaceDetector running `engine` (already open) with checked `options`; disposing it disposes the engine. */
export function detectorFromEngine(engine: DetectionEngine, options?: DetectorOptions, note?: string): FaceDetector {
  const opts = checkDetectorOptions(options);
  let disposed = false;
  return {
    engine: engine.name,
    ...(note === undefined ? {} : { note }),
    async detect(image: RgbImage): Promise<DetectedFace[]> {
      if (disposed) throw new Error('FaceDetector.detect called after dispose()');
      checkRgbImage(image);
      return detectFaces(engine, image, opts);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      engine.dispose();
    },
  };
}

async function detectFaces(engine: DetectionEngine, image: RgbImage, opts: Required<DetectorOptions>): Promise<DetectedFace[]> {
  let faces: DetectedFace[] = [];
  if (opts.mode === 'photo') faces = await withLandmarks(engine, image, await engine.ssd(image, opts.minScore, opts.maxFaces), 0);
  // Only when SSD finds nothing: run always, the close-up pass also re-finds SSD's faces with loose boxes.
  if (faces.length === 0) faces = await detectCloseup(engine, image, opts.closeupMinScore);
  return faces.sort((a, b) => b.score - a.score).slice(0, opts.maxFaces);
}

async function detectCloseup(engine: DetectionEngine, image: RgbImage, minScore: number): Promise<DetectedFace[]> {
  for (const pass of CLOSEUP_PASSES) {
    const border = Math.round(Math.max(image.width, image.height) * pass.pad);
    const padded = padImage(image, border, PAD_VALUE);
    const found = await engine.tiny(padded, pass.inputSize, minScore);
    if (found.length > 0) return withLandmarks(engine, padded, found, border);
  }
  return [];
}

/**
 * The crop the landmark net sees for a box, as face-api cuts it (extractFaceTensors): clipped to the image, each
 * of x, y, width and height rounded down. Undefined when nothing of the box is inside the image.
 */
export function landmarkCrop(box: Box, width: number, height: number): Box | undefined {
  const x = Math.max(box.x, 0);
  const y = Math.max(box.y, 0);
  const crop = {
    x: Math.floor(x),
    y: Math.floor(y),
    width: Math.floor(Math.min(box.x + box.width - x, width - x)),
    height: Math.floor(Math.min(box.y + box.height - y, height - y)),
  };
  return crop.width > 0 && crop.height > 0 ? crop : undefined;
}

/**
 * Adds the 68 landmarks to each box found in `image` and maps box and points back to the caller's image (`image`
 * less a `border` on every side). Points are placed relative to the crop the net saw; face-api adds the unrounded
 * box corner instead, up to a pixel off (and more for a box reaching past the top or left edge).
 */
async function withLandmarks(engine: DetectionEngine, image: RgbImage, found: ScoredBox[], border: number): Promise<DetectedFace[]> {
  const kept = found.flatMap((f) => {
    const crop = landmarkCrop(f.box, image.width, image.height);
    return crop ? [{ ...f, crop }] : [];
  });
  const points = await engine.landmarks(image, kept.map((k) => k.crop));
  return kept.map(({ box, score, crop }, i) => ({
    box: { x: box.x - border, y: box.y - border, width: box.width, height: box.height },
    score,
    landmarks: landmarksFrom68(points[i]!.map((p) => ({ x: p.x + crop.x - border, y: p.y + crop.y - border }))),
  }));
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
