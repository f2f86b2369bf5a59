// The RgbImage predicate, free of Node and sharp so the browser entry shares it.
import type { RgbImage } from './types.js';

/** RGB pixels laid out as RgbImage says: a Uint8Array of exactly width x height x 3 bytes, positive integer sizes. */
export function isRgbImage(value: unknown): value is RgbImage {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  const v = value as Partial<RgbImage>;
  return v.data instanceof Uint8Array && Number.isInteger(v.width) && Number.isInteger(v.height) && v.width! > 0 && v.height! > 0 &&
    v.data.length === v.width! * v.height! * 3;
}
