// Face detection: SSD-MobileNetV1 for photos (or TinyFaceDetector, on request), TinyFaceDetector for close-ups,
// 68-point landmarks for every face (face-api's networks and weights). Engines run the networks: ONNX models on
// onnxruntime-node (default where installed, ~5x faster) or onnxruntime-web (the browser entry, and Node without
// onnxruntime-node), and face-api itself on TF.js wasm (the reference, and the fallback). This file is the pipeline
// all of them share; it has no Node imports (the browser bundle includes it). Why these settings: see the
// "Detection" section of BENCHMARKS.md (measured on the group photos, FairFace and UTKFace).
import { checkInteger, checkNumber, checkOneOf, isPlainObject, invalid } from '../core/checks.js';
import { HowoldError } from '../core/errors.js';
import type { Box, DetectedFace, Engine, FaceLandmarks, Point, RgbImage } from '../core/types.js';
import { checkRgbImage } from '../image/align.js';
import type { DetectionEngine, DetectorEngine, ScoredBox } from './engine.js';
import { padImage } from './preprocess.js';

export type { DetectorEngine };
export type DetectorMode = 'photo' | 'crop';
/** The network photo mode runs over the whole image. */
export type FaceDetectorName = 'ssd' | 'tiny';

/** What one detect call may change (the rest is fixed when the detector is made). */
export interface DetectOptions {
  /**
   * Lowest score kept by photo mode's detector, 0..1. Default 0.5 (face-api's default; with the padded pass, 43 of
   * the 43 group-photo faces and no false positives, see BENCHMARKS.md). Lower finds more faces and more mistakes.
   */
  minScore?: number;
  /**
   * Photo mode's detector. 'ssd' (default): SSD-MobileNetV1 on the image and on the image inside a grey border
   * (`padding`), merged. 'tiny': TinyFaceDetector at `tinyInputSize`, one pass: ~5x faster than 'ssd' when it runs its
   * padded pass, 207 KB of weights instead of 5.7 MB, and it misses more (at 0.5: 38 of the 43 group-photo faces,
   * no face in 6.7% of FairFace against 0.7%).
   */
  faceDetector?: FaceDetectorName;
}

export interface DetectorOptions extends DetectOptions {
  /**
   * 'photo' (default): `faceDetector` over the whole image; when it finds nothing, the close-up passes (a face
   * that fills the frame). 'crop': the close-up passes only, for images known to be tight face crops
   * (UTKFace-style): ~15x faster.
   */
  mode?: DetectorMode;
  /**
   * SSD passes besides the one on the image itself (when, see `paddedPasses`): a grey border of each fraction of
   * the image's longer side on every side. Faces at the edges and faces that fill much of the frame score higher
   * there. Default [0.5] (one extra pass, about twice the time); [] for the image alone.
   */
  padding?: number[];
  /** SSD passes (borders, as `padding`) tried in turn only when the passes above find nothing. Default [1]. */
  fallbackPadding?: number[];
  /**
   * When the `padding` passes run. 'when-needed' (default): only when the pass on the image itself leaves a doubt
   * (no face; a candidate scoring between NEAR_MISS_SCORE and minScore; a face at the image's edge, large, or
   * wider than tall), the cases the padded pass exists for. Measured against 'always' (until 0.2.0): the same
   * faces on the group photos, the mosaics and FairFace (43/43, 160/172, 4 of 540 with none), every FairFace
   * distribution unchanged, 41 of the 43 group-photo faces unchanged (two take the image pass's box: 2.8 and 0.8
   * years apart), 1.7x faster detection on the group photos (BENCHMARKS.md).
   */
  paddedPasses?: 'always' | 'when-needed';
  /** TinyFaceDetector's input side with faceDetector 'tiny' (a multiple of 32). Default 512. */
  tinyInputSize?: number;
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
  /**
   * Faces in `image`, highest score first; `options` override this detector's minScore and faceDetector for this
   * call. Boxes and landmarks are in `image` pixels; boxes may reach past its edges.
   */
  detect(image: RgbImage, options?: DetectOptions): Promise<DetectedFace[]>;
  /** The runtime running the networks: 'onnxruntime-node', 'onnxruntime-web' or 'tfjs' (as `estimate.engine`). */
  readonly engine: Engine;
  /**
   * Set when a slower engine runs: onnxruntime-web instead of onnxruntime-node (with what to install), or the TF.js
   * fallback instead of the ONNX engine, and why. One line, never printed by the library.
   */
  readonly note?: string;
  /**
   * Releases this detector; the shared weights are freed when the last detector is disposed. A second call does
   * nothing; detect() after it throws HowoldError 'disposed'. The release is done when it returns (the promise is
   * for the same `await x.dispose()` as the estimators).
   */
  dispose(): Promise<void>;
}

export const DEFAULT_DETECTOR_OPTIONS: Readonly<Required<DetectorOptions>> = Object.freeze({
  mode: 'photo',
  minScore: 0.5,
  faceDetector: 'ssd',
  padding: Object.freeze([0.5]) as number[],
  fallbackPadding: Object.freeze([1]) as number[],
  paddedPasses: 'when-needed',
  tinyInputSize: 512,
  closeupMinScore: 0.3,
  maxFaces: 100,
  engine: 'onnx',
});

export const FACE_DETECTORS: readonly FaceDetectorName[] = ['ssd', 'tiny'];

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
/**
 * A padded SSD pass sees the image smaller: below this side in its 512 px input (the smallest anchor is 51 px) its
 * boxes land between small faces, so a padded pass only adds faces at least this large; the pass on the image
 * itself finds the small ones at twice the resolution.
 */
const MIN_PADDED_FACE = 20;

function checkPadding(value: unknown, name: string): number[] {
  if (!Array.isArray(value) || value.length > 4) throw invalid('an array of at most 4 borders', name, value);
  return value.map((v, i) => checkNumber(v, `${name}[${i}]`, 0.01, 2));
}

/** Per-call options, checked; undefined fields keep the detector's. */
export function checkDetectOptions(options: unknown, name = 'options'): DetectOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalid('an object', name, options);
  const o = options as DetectOptions;
  return {
    ...(o.minScore === undefined ? {} : { minScore: checkNumber(o.minScore, `${name}.minScore`, 0, 1) }),
    ...(o.faceDetector === undefined ? {} : { faceDetector: checkOneOf(o.faceDetector, `${name}.faceDetector`, FACE_DETECTORS) }),
  };
}

export function checkDetectorOptions(options: unknown): Required<DetectorOptions> {
  if (options === undefined) return { ...DEFAULT_DETECTOR_OPTIONS };
  if (!isPlainObject(options)) throw invalid('an object', 'options', options);
  const o = options as DetectorOptions;
  const d = DEFAULT_DETECTOR_OPTIONS;
  const tinyInputSize = o.tinyInputSize === undefined ? d.tinyInputSize : checkInteger(o.tinyInputSize, 'options.tinyInputSize', 64, 1024);
  if (tinyInputSize % 32 !== 0) throw invalid('a multiple of 32', 'options.tinyInputSize', tinyInputSize);
  return {
    ...d,
    ...checkDetectOptions(o),
    mode: o.mode === undefined ? d.mode : checkOneOf(o.mode, 'options.mode', ['photo', 'crop'] as const),
    padding: o.padding === undefined ? d.padding : checkPadding(o.padding, 'options.padding'),
    fallbackPadding: o.fallbackPadding === undefined ? d.fallbackPadding : checkPadding(o.fallbackPadding, 'options.fallbackPadding'),
    paddedPasses: o.paddedPasses === undefined ? d.paddedPasses : checkOneOf(o.paddedPasses, 'options.paddedPasses', ['always', 'when-needed'] as const),
    tinyInputSize,
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
    async detect(image: RgbImage, options?: DetectOptions): Promise<DetectedFace[]> {
      if (disposed) throw new HowoldError('disposed', 'this FaceDetector has been disposed (dispose() was called)');
      checkRgbImage(image);
      return detectFaces(engine, image, { ...opts, ...checkDetectOptions(options) });
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await engine.dispose();
    },
  };
}

async function detectFaces(engine: DetectionEngine, image: RgbImage, opts: Required<DetectorOptions>): Promise<DetectedFace[]> {
  let faces: DetectedFace[] = [];
  if (opts.mode === 'photo' && opts.faceDetector === 'tiny') {
    faces = await withLandmarks(engine, image, await engine.tiny(image, opts.tinyInputSize, opts.minScore), 0);
  } else if (opts.mode === 'photo') {
    faces = await detectSsd(engine, image, [0, ...opts.padding], opts, opts.paddedPasses === 'when-needed');
    for (const pad of opts.fallbackPadding) {
      if (faces.length > 0) break;
      faces = await detectSsd(engine, image, [pad], opts);
    }
  }
  // Only when photo mode finds nothing: run always, the close-up pass also re-finds its faces with loose boxes.
  if (faces.length === 0) faces = await detectCloseup(engine, image, opts.closeupMinScore);
  return faces.sort((a, b) => b.score - a.score).slice(0, opts.maxFaces);
}

/** Below minScore but this close: a face the padded pass may score higher (2008_001322's woman: 0.45, then 0.96). */
const NEAR_MISS_SCORE = 0.3;
/**
 * A face whose box comes this close to an edge (share of the longer side), is this large, or is wider than tall
 * gets the padded pass. SSD's boxes around whole faces are 0.57-0.87 as wide as tall (the 43 group-photo faces); a
 * wider one is part of a face that fills the frame (a FairFace close-up: a 97x77 box on the chin, the face itself
 * only in the padded pass).
 */
const EDGE_SHARE = 0.02;
const LARGE_SHARE = 0.25;
const WIDEST_FACE = 1;

/** Whether the image's own SSD pass leaves the doubt the padded pass resolves (see paddedPasses). */
function doubtful(found: { face: ScoredBox; box: Box }[], image: RgbImage, minScore: number): boolean {
  const long = Math.max(image.width, image.height);
  const edge = EDGE_SHARE * long;
  const sure = found.filter((f) => f.face.score >= minScore);
  if (sure.length === 0 || sure.length < found.length) return true;
  return sure.some(
    ({ box }) =>
      box.x < edge ||
      box.y < edge ||
      box.x + box.width > image.width - edge ||
      box.y + box.height > image.height - edge ||
      Math.max(box.width, box.height) > LARGE_SHARE * long ||
      box.width > WIDEST_FACE * box.height,
  );
}

/**
 * SSD-MobileNetV1 on `image` inside a grey border of each of `pads` x its longer side (0: the image itself), the
 * faces of all passes merged by SSD's own NMS rule (highest score first, IoU above engine.ssdIouThreshold suppressed). Each kept face
 * gets its landmarks from the image its pass saw.
 */
async function detectSsd(engine: DetectionEngine, image: RgbImage, pads: number[], opts: Required<DetectorOptions>, whenNeeded = false): Promise<DetectedFace[]> {
  const passes: { seen: RgbImage; border: number }[] = [];
  const found: { pass: number; face: ScoredBox; box: Box }[] = [];
  let paddedNeeded = !whenNeeded;
  for (const pad of pads) {
    const border = Math.round(Math.max(image.width, image.height) * pad);
    if (border > 0 && !paddedNeeded) break;
    const seen = border > 0 ? padImage(image, border, PAD_VALUE) : image;
    const pass = passes.push({ seen, border }) - 1;
    const minSide = border > 0 ? (MIN_PADDED_FACE * Math.max(seen.width, seen.height)) / engine.ssdInputSize : 0;
    // the image's own pass also keeps near misses (dropped below), to tell whether the padded passes are needed
    const threshold = whenNeeded && border === 0 ? Math.min(opts.minScore, NEAR_MISS_SCORE) : opts.minScore;
    for (const face of await engine.ssd(seen, threshold, opts.maxFaces)) {
      const box = { ...face.box, x: face.box.x - border, y: face.box.y - border };
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      // a padded pass's face must be large enough for it and centred on the image, not in the border
      if (border > 0 && (Math.min(box.width, box.height) < minSide || cx < 0 || cy < 0 || cx > image.width || cy > image.height)) continue;
      found.push({ pass, face, box });
    }
    // decided once, on the image's own pass: then every padded pass runs, or none
    if (border === 0 && whenNeeded) paddedNeeded = doubtful(found, image, opts.minScore);
  }
  const kept: typeof found = [];
  for (const f of found.filter((f) => f.face.score >= opts.minScore).sort((a, b) => b.face.score - a.face.score)) {
    if (!kept.some((k) => iou(k.box, f.box) > engine.ssdIouThreshold)) kept.push(f);
  }
  const faces: DetectedFace[] = [];
  for (const [i, { seen, border }] of passes.entries()) {
    const mine = kept.filter((k) => k.pass === i).map((k) => k.face);
    if (mine.length > 0) faces.push(...(await withLandmarks(engine, seen, mine, border)));
  }
  return faces;
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
