// Picks and crops THE labelled face of a dataset image: the one path shared by `data prepare` and `eval`,
// so a model is evaluated on crops made exactly like the ones it was trained on.
import type { Box, DetectedFace, LabelledRow, Preprocessing, RgbImage } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { alignFace, cropBox } from '../image/align.js';
import type { CropFill } from '../core/types.js';
import type { DecodedImage } from '../image/decode.js';
import { iou, type DetectorMode, type FaceDetector } from '../detect/index.js';

/** 'detect': find and align the face; 'box': crop the dataset's box; 'aligned': the image already is the crop. */
export type FaceSource = 'detect' | 'box' | 'aligned';

export interface CropSpec {
  size: number;
  margin: number;
  /** Frame of detected faces (image/align.ts AlignSpec): 'eyes' (default), 'landmarks', 'faceapi' or 'faceapi-level'. */
  align?: Exclude<Preprocessing['align'], 'none'>;
  /** Outside the image, with 'detect' (image/align.ts CropFill). Default 'edge'. */
  fill?: CropFill;
  source: FaceSource;
  /** With 'detect': when no face is found, use the whole image as an aligned crop instead of rejecting it. */
  fallbackToWhole?: boolean;
  /** With 'detect': 'crop' when the images are tight face crops (UTKFace-style): the close-up passes only. */
  detectorMode?: DetectorMode;
}


/** The detection that is the labelled person: the one matching the dataset box, else the largest and most central. */
export function pickLabelledFace(faces: DetectedFace[], image: RgbImage, hint?: Box): DetectedFace | undefined {
  if (faces.length === 0) return undefined;
  if (hint) {
    const overlaps = faces.map((face) => iou(face.box, hint));
    const best = overlaps.indexOf(Math.max(...overlaps));
    return overlaps[best]! > 0.3 ? faces[best] : undefined;
  }
  const cx = image.width / 2;
  const cy = image.height / 2;
  const diag = Math.hypot(image.width, image.height);
  const merit = (f: DetectedFace) => {
    const area = f.box.width * f.box.height;
    const off = Math.hypot(f.box.x + f.box.width / 2 - cx, f.box.y + f.box.height / 2 - cy) / diag;
    return area * (1 - off) * f.score;
  };
  return faces.reduce((a, b) => (merit(b) > merit(a) ? b : a));
}

export interface LabelledCrop {
  pixels: RgbImage;
  /** True when the crop came from a detected face (false: the dataset box or the whole image). */
  detected: boolean;
}

/** The dataset's face box (given in the photo's own pixels) in the pixels of a possibly shrunk decode. */
function boxInDecoded(image: RgbImage & Partial<Pick<DecodedImage, 'originalWidth' | 'originalHeight'>>, box: Box | undefined): Box | undefined {
  if (!box) return undefined;
  const sx = image.width / (image.originalWidth ?? image.width);
  const sy = image.height / (image.originalHeight ?? image.height);
  return sx === 1 && sy === 1 ? box : { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
}

export async function cropLabelledFace(
  image: RgbImage | DecodedImage,
  row: LabelledRow,
  spec: CropSpec,
  detector?: FaceDetector,
): Promise<LabelledCrop> {
  const whole = () => ({ pixels: alignFace(image, null, { size: spec.size, margin: spec.margin, align: 'none' }), detected: false });
  const faceBox = boxInDecoded(image, row.faceBox);
  if (spec.source === 'aligned') return whole();
  if (spec.source === 'box') {
    if (!faceBox) throw new InputError('no_face_box', 'the dataset gives no face box for this image', row.path);
    return { pixels: cropBox(image, faceBox, spec.size, spec.margin), detected: false };
  }
  if (!detector) throw new Error('cropLabelledFace: face source "detect" needs a detector');
  const face = pickLabelledFace(await detector.detect(image), image, faceBox);
  if (!face) {
    if (spec.fallbackToWhole) return whole();
    throw new InputError('no_face', 'no face found', row.path);
  }
  return { pixels: alignFace(image, face, { size: spec.size, margin: spec.margin, align: spec.align ?? 'eyes', fill: spec.fill }), detected: true };
}
