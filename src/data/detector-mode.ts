// Which detector mode a labelled dataset needs: 'crop' (the close-up passes only, ~50x faster) when its images are
// tight face crops, 'photo' otherwise. The one choice shared by `eval` and `data prepare`.
import { createFaceDetector, type DetectorMode, type FaceDetector } from '../detect/index.js';
import { decodeImage } from '../image/decode.js';
import type { DatasetFormat } from './readers/index.js';

/** Formats whose images are, by definition, aligned face crops. */
export const CROP_FORMATS: readonly DatasetFormat[] = ['utkface'];

/**
 * A face "fills the image" when its close-up box covers at least this share of the image's area. Measured on 12
 * images each: UTKFace 1.00 in all, FairFace (face crops with a wide margin) 0.18-0.31 (one 0.50), group photos 0.
 */
export const FILL_SHARE = 0.5;
/** Crop mode is chosen when this share of the sampled images has a face that fills it. */
export const FILLED_IMAGES = 0.9;
export const PROBE_SAMPLE = 12;

export interface DetectorModeChoice {
  mode: DetectorMode;
  /** Why, in words: "utkface images are face crops", "a face fills 12 of 12 sampled images". */
  reason: string;
}

/** The mode the format alone implies ('crop' for UTKFace), else 'photo'. */
export function defaultDetectorMode(format: DatasetFormat): DetectorMode {
  return CROP_FORMATS.includes(format) ? 'crop' : 'photo';
}

/** Evenly spread, deterministic sample of the paths (sorted), at most `n`. */
function samplePaths(paths: readonly string[], n: number): string[] {
  const sorted = [...new Set(paths)].sort();
  if (sorted.length <= n) return sorted;
  const step = sorted.length / n;
  return Array.from({ length: n }, (_, i) => sorted[Math.floor(i * step)]!);
}

/**
 * The format's mode where it says so; otherwise a probe: crop mode's detector on a sample of the images, and crop
 * mode when nearly every sampled image holds a face covering half of it or more (tight crops such as FG-NET-style
 * close-ups). Unreadable sampled images are left out of the count.
 */
export async function chooseDetectorMode(
  format: DatasetFormat,
  paths: readonly string[],
  options: { sample?: number; detector?: FaceDetector } = {},
): Promise<DetectorModeChoice> {
  if (CROP_FORMATS.includes(format)) return { mode: 'crop', reason: `${format} images are face crops` };
  const sample = samplePaths(paths, options.sample ?? PROBE_SAMPLE);
  if (sample.length === 0) return { mode: 'photo', reason: 'no images to probe' };
  const detector = options.detector ?? (await createFaceDetector({ mode: 'crop' }));
  let readable = 0;
  let filled = 0;
  try {
    for (const path of sample) {
      const image = await decodeImage(path).catch(() => undefined);
      if (!image) continue;
      readable += 1;
      const area = image.width * image.height;
      const faces = await detector.detect(image);
      if (faces.some((f) => (Math.min(f.box.width, image.width) * Math.min(f.box.height, image.height)) / area >= FILL_SHARE)) filled += 1;
    }
  } finally {
    if (!options.detector) await detector.dispose();
  }
  const fills = readable > 0 && filled >= FILLED_IMAGES * readable;
  return { mode: fills ? 'crop' : 'photo', reason: `a face fills ${filled} of ${readable} sampled images` };
}
