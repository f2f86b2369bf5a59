// The one crop path shared by training and inference: a face (its landmarks, a dataset box, or a whole aligned
// image) becomes a size x size RGB crop with the same framing and the same resampling every time.
//
// Face frame, from landmarks:
//   E = midpoint of the two eye centres, M = midpoint of the two mouth corners
//   centre = (E + M) / 2
//   angle  = direction of the line from the left eye to the right eye (the crop is rotated so it is level)
//   scale  = max(|M - E|, |rightEye - leftEye|): eye-to-mouth distance, or the inter-ocular distance when that is
//            larger (a face pitched down shortens the first, a face turned sideways the second)
// The crop is the square of side margin x scale around the centre, rotated by angle.
// DEFAULT_MARGIN reproduces UTKFace's framing: on 198 UTKFace crops (200 px) the detected centre is at (98, 98)
// and 200 / scale has median 2.45 (10th-90th percentile 2.30-2.56), so an aligned photo crop looks like a UTKFace one.
//
// Landmark-box frame (align 'landmarks'): the box around all 68 landmarks, measured in the eye-level frame (so it
// is rotated with the eyes), centred on that box, side = margin x the box's longer side. This is the frame
// face-api.js gives its AgeGenderNet (the 68-point box, slightly padded, there not rotated); measured on the
// FairFace sample its original network read 51.8% of age groups right in this frame against 49.1% in UTKFace's.
import { checkInteger, checkNumber, checkOneOf, invalid, isPlainObject } from '../core/checks.js';
import type { Box, CropFill, FaceLandmarks, Point, Preprocessing, RgbImage } from '../core/types.js';
import { isRgbImage } from '../core/rgb-image.js';

export interface AlignSpec {
  /** Side of the square output, pixels. */
  size: number;
  /** Crop side as a multiple of the face scale (see above). Ignored with align 'none'. */
  margin: number;
  /**
   * 'eyes': rotate so the eyes are level, side = margin x face scale; 'landmarks': eye-level too, side = margin x
   * the 68-landmark box; 'faceapi': face-api.js's crop (faceApiBox: that box upright, black around it);
   * 'faceapi-level': the same crop turned so the eyes are level; 'none': the image already is an aligned crop,
   * resize it whole.
   */
  align: Preprocessing['align'];
  /** What the crop shows where it reaches past the image: see CropFill. Default 'edge'. */
  fill?: CropFill;
}

/**
 * Pixels of a crop that fall outside the image: 'edge' repeats the nearest edge pixel (streaks); 'reflect' mirrors
 * the image at its edge, so hair, skin and background go on. A UTKFace crop is 200 px and the 68-landmark box x 1.2
 * reaches past it in every crop, 17% of its area on average (a one-off count on every 6th face of the test split;
 * on FairFace 0.1%), where a face in a photo shows its real surroundings.
 */
export type { CropFill };
export const CROP_FILLS: readonly CropFill[] = ['edge', 'reflect'];
/** Every `preprocessing.align` (see AlignSpec.align); the one list the schema, the checks and the CLI read. */
export const FACE_ALIGNS: readonly Preprocessing['align'][] = ['eyes', 'landmarks', 'faceapi', 'faceapi-level', 'none'];

export const DEFAULT_MARGIN = 2.45;
/** The margin of the landmark-box frame: face-api.js pads the 68-point box by about this much. */
export const LANDMARK_BOX_MARGIN = 1.2;
/**
 * The 68-point box's longer side as a multiple of the face scale, for faces that only carry the five named points
 * (median 2.20 over 200 UTKFace detections, 10th-90th percentile 1.99-2.33).
 */
export const LANDMARK_BOX_PER_SCALE = 2.2;
/**
 * Face scale of a face box without landmarks, as a fraction of the box's longer side. Measured on face-api boxes:
 * median 0.336 (SSD, group photos), 0.38 (SSD, UTKFace), 0.347 (TinyFaceDetector, UTKFace).
 */
export const BOX_SCALE = 0.35;

/** Where a face is, how it is turned and how big it is, in source pixels (see above). */
export interface FaceFrame {
  centre: Point;
  /** Radians, clockwise in image coordinates (y down): the angle of the eye line. */
  angle: number;
  scale: number;
}

export function faceFrame(landmarks: FaceLandmarks): FaceFrame {
  const { leftEye, rightEye, mouthLeft, mouthRight } = landmarks;
  for (const [name, p] of Object.entries({ leftEye, rightEye, mouthLeft, mouthRight })) {
    if (!isPlainObject(p) || !Number.isFinite(p.x) || !Number.isFinite(p.y)) throw invalid('a point {x, y}', `landmarks.${name}`, p);
  }
  const eyes = { x: (leftEye.x + rightEye.x) / 2, y: (leftEye.y + rightEye.y) / 2 };
  const mouth = { x: (mouthLeft.x + mouthRight.x) / 2, y: (mouthLeft.y + mouthRight.y) / 2 };
  const scale = Math.max(Math.hypot(mouth.x - eyes.x, mouth.y - eyes.y), Math.hypot(rightEye.x - leftEye.x, rightEye.y - leftEye.y));
  if (!(scale > 0)) throw invalid('landmarks with distinct eyes and mouth', 'landmarks', 'degenerate points');
  return {
    centre: { x: (eyes.x + mouth.x) / 2, y: (eyes.y + mouth.y) / 2 },
    angle: Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x),
    scale,
  };
}

/** The box around `points` in coordinates along (u = x cos + y sin) and across (v) the direction (cos, sin). */
function pointBounds(points: Point[], cos = 1, sin = 0): Box {
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const p of points) {
    if (!isPlainObject(p) || !Number.isFinite(p.x) || !Number.isFinite(p.y)) throw invalid('a point {x, y}', 'landmarks.points[]', p);
    const u = p.x * cos + p.y * sin;
    const v = -p.x * sin + p.y * cos;
    minU = Math.min(minU, u);
    maxU = Math.max(maxU, u);
    minV = Math.min(minV, v);
    maxV = Math.max(maxV, v);
  }
  return { x: minU, y: minV, width: maxU - minU, height: maxV - minV };
}

/** The image point at (u, v) of pointBounds' turned axes. */
function fromTurnedAxes(u: number, v: number, cos: number, sin: number): Point {
  return { x: u * cos - v * sin, y: u * sin + v * cos };
}

/**
 * The landmark-box frame (see above): centre and longer side (as `scale`) of the box around the 68 points in the
 * eye-level frame. Without the 68 points, the five-point frame with its scale times LANDMARK_BOX_PER_SCALE.
 */
export function landmarkBoxFrame(landmarks: FaceLandmarks): FaceFrame {
  const eyeFrame = faceFrame(landmarks);
  const points = landmarks.points;
  if (!Array.isArray(points) || points.length < 3) return { ...eyeFrame, scale: eyeFrame.scale * LANDMARK_BOX_PER_SCALE };
  const cos = Math.cos(eyeFrame.angle);
  const sin = Math.sin(eyeFrame.angle);
  const b = pointBounds(points, cos, sin);
  const side = Math.max(b.width, b.height);
  if (!(side > 0)) throw invalid('landmarks with distinct points', 'landmarks.points', 'degenerate points');
  return { centre: fromTurnedAxes(b.x + b.width / 2, b.y + b.height / 2, cos, sin), angle: eyeFrame.angle, scale: side };
}

/**
 * face-api.js's own frame for its AgeGenderNet (FaceLandmarks.align, extractFaces, padToSquare): the box around the
 * 68 points in image axes (not turned), padded by (margin - 1) of its width and height, clipped to the image, and
 * centred in a black square of its longer side. Faces with only the five named points use the five-point frame's
 * box (LANDMARK_BOX_PER_SCALE), upright.
 *
 * With `angle` (radians, the eye line's: 'faceapi-level') the same box is measured in axes turned by it (u along the
 * eye line, v across: u = x cos + y sin, v = -x sin + y cos) and clipped to the box the image's corners span in
 * those axes; the returned box is in those axes (in image axes when angle is 0, face-api's own crop).
 */
export function faceApiBox(landmarks: FaceLandmarks, margin: number, width: number, height: number, angle = 0): Box {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  let box: Box;
  const points = landmarks.points;
  if (Array.isArray(points) && points.length >= 3) {
    box = pointBounds(points, cos, sin);
  } else {
    const f = faceFrame(landmarks);
    const side = f.scale * LANDMARK_BOX_PER_SCALE;
    const c = pointBounds([f.centre], cos, sin);
    box = { x: c.x - side / 2, y: c.y - side / 2, width: side, height: side };
  }
  if (!(box.width > 0 && box.height > 0)) throw invalid('landmarks with distinct points', 'landmarks.points', 'degenerate points');
  const image = angle === 0 ? { x: 0, y: 0, width, height } : pointBounds([{ x: 0, y: 0 }, { x: width, y: 0 }, { x: 0, y: height }, { x: width, y: height }], cos, sin);
  const padX = ((margin - 1) / 2) * box.width;
  const padY = ((margin - 1) / 2) * box.height;
  const x = Math.max(image.x, box.x - padX);
  const y = Math.max(image.y, box.y - padY);
  const right = Math.min(image.x + image.width, box.x + box.width + padX);
  const bottom = Math.min(image.y + image.height, box.y + box.height + padY);
  if (!(right > x && bottom > y)) throw invalid('a face inside the image', 'face', 'landmarks outside the image');
  return { x, y, width: right - x, height: bottom - y };
}

/** The frame alignFace crops for `align` ('eyes' or 'landmarks'). */
export function frameFor(landmarks: FaceLandmarks, align: 'eyes' | 'landmarks'): FaceFrame {
  return align === 'landmarks' ? landmarkBoxFrame(landmarks) : faceFrame(landmarks);
}

/**
 * A size x size crop of a face, rotated so the eyes are level: with align 'eyes' centred between eyes and mouth,
 * side = margin x face scale; with 'landmarks' centred on the 68-point box, side = margin x its longer side. With
 * align 'none' the face is ignored (may be null) and the whole image is resized (see resizeWhole).
 */
export function alignFace(image: RgbImage, face: { landmarks: FaceLandmarks } | null, spec: AlignSpec): RgbImage {
  const { size, margin, align, fill } = checkSpec(spec);
  if (align === 'none') return resizeWhole(image, size);
  if (!isPlainObject(face) || !isPlainObject(face.landmarks)) throw invalid('a face with landmarks', 'face', face);
  if (align === 'faceapi' || align === 'faceapi-level') {
    const angle = align === 'faceapi-level' ? faceFrame(face.landmarks).angle : 0;
    const box = faceApiBox(face.landmarks, margin, image.width, image.height, angle);
    const centre = fromTurnedAxes(box.x + box.width / 2, box.y + box.height / 2, Math.cos(angle), Math.sin(angle));
    return warpSquare(image, centre, angle, Math.max(box.width, box.height), size, fill, box);
  }
  const frame = frameFor(face.landmarks, align);
  return warpSquare(image, frame.centre, frame.angle, margin * frame.scale, size, fill);
}

/**
 * A size x size crop around a face box (datasets that give a box, e.g. IMDB-WIKI face_location): centred on the
 * box, not rotated, side = margin x BOX_SCALE x the box's longer side, so the same margin frames a face about
 * as alignFace does.
 */
export function cropBox(image: RgbImage, box: Box, size: number, margin: number = DEFAULT_MARGIN): RgbImage {
  checkInteger(size, 'size', 1, 4096);
  checkNumber(margin, 'margin', 0.1, 20);
  if (!isPlainObject(box)) throw invalid('a box {x, y, width, height}', 'box', box);
  checkNumber(box.x, 'box.x');
  checkNumber(box.y, 'box.y');
  checkNumber(box.width, 'box.width', Number.MIN_VALUE);
  checkNumber(box.height, 'box.height', Number.MIN_VALUE);
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  return warpSquare(image, centre, 0, margin * BOX_SCALE * Math.max(box.width, box.height), size);
}

/** The 'already aligned' path: the centred square of the image (all of a square one), resized to size x size. */
export function resizeWhole(image: RgbImage, size: number): RgbImage {
  checkInteger(size, 'size', 1, 4096);
  return warpSquare(image, { x: image.width / 2, y: image.height / 2 }, 0, Math.min(image.width, image.height), size);
}

/** Where a source point lands in the crop made by warpSquare(image, centre, angle, side, size). */
export function toCrop(point: Point, centre: Point, angle: number, side: number, size: number): Point {
  const k = size / side;
  const dx = point.x - centre.x;
  const dy = point.y - centre.y;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return { x: size / 2 + k * (dx * cos + dy * sin), y: size / 2 + k * (-dx * sin + dy * cos) };
}

/**
 * Samples the square of side `side` (source pixels) centred on `centre` and rotated by `angle` into a size x size
 * image: bilinear, averaging round(side/size)^2 samples per output pixel (up to 4x4) when shrinking so small
 * crops do not alias; outside the image, `fill` (edge pixels repeated, or the image mirrored at its edges); with
 * `clip`, black outside that box and outside the image (face-api's padding). The clip box is in the crop's turned
 * axes (u = x cos + y sin, v = -x sin + y cos of `angle`; image axes when angle is 0), as faceApiBox gives it.
 * Hand-written because sharp fills pixels outside the image with a constant colour, not the edge, and costs a
 * native round trip per call (rotate + extract + resize of a 200 px face to 112 px: 2.1 ms with sharp, 1.2 ms
 * here, synchronous).
 */
export function warpSquare(
  image: RgbImage,
  centre: Point,
  angle: number,
  side: number,
  size: number,
  fill: CropFill = 'edge',
  clip?: Box,
): RgbImage {
  checkRgbImage(image);
  checkOneOf(fill, 'fill', CROP_FILLS);
  const reflect = fill === 'reflect';
  checkInteger(size, 'size', 1, 4096);
  checkNumber(side, 'side', Number.MIN_VALUE);
  checkNumber(angle, 'angle');
  checkNumber(centre.x, 'centre.x');
  checkNumber(centre.y, 'centre.y');
  const { width, height, data } = image;
  const step = side / size;
  const n = Math.min(4, Math.max(1, Math.round(step)));
  const cos = Math.cos(angle) * step;
  const sin = Math.sin(angle) * step;
  // Output pixel (i, j) covers [j, j+1) x [i, i+1); source pixel k's centre is at k + 0.5.
  const ox = centre.x - 0.5;
  const oy = centre.y - 0.5;
  const half = size / 2;
  const out = new Uint8Array(size * size * 3);
  const maxX = width - 1;
  const maxY = height - 1;
  const inv = 1 / (n * n);
  const turn = { cos: Math.cos(angle), sin: Math.sin(angle) };
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let si = 0; si < n; si++) {
        const v = i + (si + 0.5) / n - half;
        for (let sj = 0; sj < n; sj++) {
          const u = j + (sj + 0.5) / n - half;
          let x = ox + u * cos - v * sin;
          let y = oy + u * sin + v * cos;
          // pixel k's centre is at k here, so k covers [k - 0.5, k + 0.5) of the box's coordinates
          if (clip && outsideClip(x + 0.5, y + 0.5, clip, turn, width, height)) continue;
          if (reflect) {
            x = mirror(x, maxX);
            y = mirror(y, maxY);
          }
          x = x < 0 ? 0 : x > maxX ? maxX : x;
          y = y < 0 ? 0 : y > maxY ? maxY : y;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const x1 = x0 < maxX ? x0 + 1 : x0;
          const y1 = y0 < maxY ? y0 + 1 : y0;
          const fx = x - x0;
          const fy = y - y0;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          const p00 = (y0 * width + x0) * 3;
          const p01 = (y0 * width + x1) * 3;
          const p10 = (y1 * width + x0) * 3;
          const p11 = (y1 * width + x1) * 3;
          r += w00 * data[p00] + w01 * data[p01] + w10 * data[p10] + w11 * data[p11];
          g += w00 * data[p00 + 1] + w01 * data[p01 + 1] + w10 * data[p10 + 1] + w11 * data[p11 + 1];
          b += w00 * data[p00 + 2] + w01 * data[p01 + 2] + w10 * data[p10 + 2] + w11 * data[p11 + 2];
        }
      }
      const o = (i * size + j) * 3;
      // A Uint8Array store truncates; the average is within 0..255, so + 0.5 rounds it.
      out[o] = r * inv + 0.5;
      out[o + 1] = g * inv + 0.5;
      out[o + 2] = b * inv + 0.5;
    }
  }
  return { data: out, width: size, height: size };
}

/** Whether the point (x, y) of the image's continuous axes is outside `clip` (turned axes) or outside the image. */
function outsideClip(x: number, y: number, clip: Box, turn: { cos: number; sin: number }, width: number, height: number): boolean {
  if (turn.sin === 0 && turn.cos === 1) return x < clip.x || y < clip.y || x > clip.x + clip.width || y > clip.y + clip.height;
  if (x < 0 || y < 0 || x > width || y > height) return true;
  const u = x * turn.cos + y * turn.sin;
  const v = -x * turn.sin + y * turn.cos;
  return u < clip.x || v < clip.y || u > clip.x + clip.width || v > clip.y + clip.height;
}

/** `v` mirrored into [0, max] about the pixel centres 0 and max (period 2 max). */
function mirror(v: number, max: number): number {
  if (v >= 0 && v <= max) return v;
  if (max === 0) return 0;
  const period = 2 * max;
  const m = ((v % period) + period) % period;
  return m > max ? period - m : m;
}

function checkSpec(spec: AlignSpec): AlignSpec {
  if (!isPlainObject(spec)) throw invalid('an object {size, margin, align}', 'spec', spec);
  return {
    size: checkInteger(spec.size, 'spec.size', 1, 4096),
    margin: checkNumber(spec.margin, 'spec.margin', 0.1, 20),
    align: checkOneOf(spec.align, 'spec.align', FACE_ALIGNS),
    ...(spec.fill === undefined ? {} : { fill: checkOneOf(spec.fill, 'spec.fill', CROP_FILLS) }),
  };
}

/** Throws ArgumentError unless `image` is a well-formed RgbImage. */
export function checkRgbImage(image: RgbImage, name = 'image'): void {
  if (!isRgbImage(image)) throw invalid('an RgbImage {data: Uint8Array of width*height*3, width, height}', name, image);
}
