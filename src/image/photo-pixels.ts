// Faces found on a decoded (maybe shrunk) image, mapped back to the photo's own pixels. Pure: Node and browser share it.
import type { Box, FaceLandmarks, Point, RgbImage } from '../core/types.js';

/** Longer side photos are shrunk to on decode, in Node (sharp) and in the browser alike: enough for faces. */
export const DEFAULT_MAX_SIDE = 1600;

/** Decoded pixels, plus the size of the photo itself (EXIF orientation applied) before any shrink on load. */
export interface DecodedImage extends RgbImage {
  originalWidth: number;
  originalHeight: number;
}

/**
 * A face found on a decoded image, in the photo's own pixels (decodeImage may have shrunk the photo on load).
 * Works for anything with a box and landmarks (detections and estimated faces alike).
 */
export function toPhotoPixels<T extends { box: Box; landmarks: FaceLandmarks }>(face: T, image: DecodedImage): T {
  const sx = image.originalWidth / image.width;
  const sy = image.originalHeight / image.height;
  if (sx === 1 && sy === 1) return face;
  const p = (q: Point): Point => ({ x: q.x * sx, y: q.y * sy });
  const { points, ...named } = face.landmarks;
  const landmarks = Object.fromEntries(Object.entries(named).map(([k, q]) => [k, p(q)])) as unknown as FaceLandmarks;
  if (points) landmarks.points = points.map(p);
  const b = face.box;
  return { ...face, box: { x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy }, landmarks };
}
