// Network inputs exactly as face-api makes them (NetInput.toBatchTensor + each net's normalisation), written
// straight into the Float32Array an ONNX session takes, and the grey border of the close-up passes.
import type { Box, RgbImage } from '../core/types.js';

/** An integer rectangle inside the image. */
export type Region = Box;

/** Each network's own is in detector.json (core/detector-config-schema.ts). */
export interface Normalisation {
  /** Subtracted from each channel (0..255 values), after the square padding (so padding becomes -mean / divisor). */
  mean: readonly [number, number, number];
  divisor: number;
}

/** face-api's computeReshapedDimensions: the image's size inside the `inputSize` square, rounded. */
export function reshapedSize(width: number, height: number, inputSize: number): { width: number; height: number } {
  const scale = inputSize / Math.max(width, height);
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/**
 * Writes face-api's input for `region` of `image` into `out` at `offset` (size x size x 3, NHWC): the region is
 * zero-padded to a square (at the bottom/right, or around it when `centre`, with the odd pixel before it as
 * padToSquare does), resized like tf.image.resizeBilinear with alignCorners and halfPixelCenters false (the
 * wasm backend's XNNPACK legacy mode: float32 source positions), then normalised.
 */
export function writeNetInput(
  image: RgbImage,
  region: Region,
  size: number,
  centre: boolean,
  norm: Normalisation,
  out: Float32Array,
  offset = 0,
): void {
  const { width: rw, height: rh } = region;
  const side = Math.max(rw, rh);
  const diff = Math.abs(rw - rh);
  const before = centre ? diff - Math.round(diff * 0.5) : 0;
  // Source row/column (in image pixels) of each row/column of the padded square, -1 in the padding.
  const rowOf = (i: number) => {
    const r = rh < rw ? i - before : i;
    return r >= 0 && r < rh ? region.y + r : -1;
  };
  const colOf = (i: number) => {
    const c = rw < rh ? i - before : i;
    return c >= 0 && c < rw ? region.x + c : -1;
  };
  const [m0, m1, m2] = norm.mean;
  const inv = 1 / norm.divisor;
  const data = image.data;
  const stride = image.width * 3;
  // the zero padding, normalised
  const pad0 = -m0 * inv;
  const pad1 = -m1 * inv;
  const pad2 = -m2 * inv;
  const fill = (from: number, to: number) => {
    for (let j = from; j < to; j += 3) {
      out[j] = pad0;
      out[j + 1] = pad1;
      out[j + 2] = pad2;
    }
  };

  if (side === size) {
    // No resize: each row is a run of image pixels between the padding (the SSD input of a 512 px photo).
    const first = rw < rh ? before : 0;
    const end = first + rw;
    for (let y = 0; y < size; y++) {
      const r = rowOf(y);
      const o = offset + y * size * 3;
      if (r < 0) {
        fill(o, o + 3 * size);
        continue;
      }
      fill(o, o + 3 * first);
      fill(o + 3 * end, o + 3 * size);
      let i = r * stride + colOf(first) * 3;
      for (let j = o + 3 * first, stop = o + 3 * end; j < stop; j += 3, i += 3) {
        out[j] = (data[i]! - m0) * inv;
        out[j + 1] = (data[i + 1]! - m1) * inv;
        out[j + 2] = (data[i + 2]! - m2) * inv;
      }
    }
    return;
  }

  const scale = Math.fround(side / size);
  const axis = (n: number, map: (i: number) => number) => {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const frac = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const pos = Math.fround(i * scale);
      const i0 = Math.floor(pos);
      lo[i] = map(i0);
      hi[i] = map(Math.min(i0 + 1, side - 1));
      frac[i] = pos - i0;
    }
    return { lo, hi, frac };
  };
  const ys = axis(size, rowOf);
  const xs = axis(size, colOf);
  // Pixel offsets of each column's two sources, -1 in the padding.
  const x0 = new Int32Array(size);
  const x1 = new Int32Array(size);
  for (let x = 0; x < size; x++) {
    x0[x] = xs.lo[x]! >= 0 ? xs.lo[x]! * 3 : -1;
    x1[x] = xs.hi[x]! >= 0 ? xs.hi[x]! * 3 : -1;
  }
  // Same arithmetic as the four-pixel form (t = tl + (tr - tl) ax, b likewise, t + (b - t) ay), with the zero
  // padding's cases taken out of the inner loop: rows wholly in the padding are one value, and only the columns
  // next to the padding need the per-pixel checks.
  const rowBytes = size * 3;
  for (let y = 0; y < size; y++) {
    const o = offset + y * rowBytes;
    const top = ys.lo[y]! >= 0 ? ys.lo[y]! * stride : -1;
    const bottom = ys.hi[y]! >= 0 ? ys.hi[y]! * stride : -1;
    const ay = ys.frac[y]!;
    if (top < 0 && bottom < 0) {
      fill(o, o + rowBytes);
      continue;
    }
    for (let x = 0; x < size; x++) {
      const ax = xs.frac[x]!;
      const l = x0[x]!;
      const r = x1[x]!;
      const k = o + x * 3;
      if (top >= 0 && bottom >= 0 && l >= 0 && r >= 0) {
        const tl = top + l;
        const tr = top + r;
        const bl = bottom + l;
        const br = bottom + r;
        let t = data[tl]! + (data[tr]! - data[tl]!) * ax;
        let b = data[bl]! + (data[br]! - data[bl]!) * ax;
        out[k] = (t + (b - t) * ay - m0) * inv;
        t = data[tl + 1]! + (data[tr + 1]! - data[tl + 1]!) * ax;
        b = data[bl + 1]! + (data[br + 1]! - data[bl + 1]!) * ax;
        out[k + 1] = (t + (b - t) * ay - m1) * inv;
        t = data[tl + 2]! + (data[tr + 2]! - data[tl + 2]!) * ax;
        b = data[bl + 2]! + (data[br + 2]! - data[bl + 2]!) * ax;
        out[k + 2] = (t + (b - t) * ay - m2) * inv;
        continue;
      }
      // Offsets of the four source pixels, -1 where one falls in the zero padding.
      const tl = top >= 0 && l >= 0 ? top + l : -1;
      const tr = top >= 0 && r >= 0 ? top + r : -1;
      const bl = bottom >= 0 && l >= 0 ? bottom + l : -1;
      const br = bottom >= 0 && r >= 0 ? bottom + r : -1;
      for (let ch = 0; ch < 3; ch++) {
        const vtl = tl >= 0 ? data[tl + ch]! : 0;
        const vtr = tr >= 0 ? data[tr + ch]! : 0;
        const vbl = bl >= 0 ? data[bl + ch]! : 0;
        const vbr = br >= 0 ? data[br + ch]! : 0;
        const t = vtl + (vtr - vtl) * ax;
        const b = vbl + (vbr - vbl) * ax;
        out[k + ch] = (t + (b - t) * ay - (ch === 0 ? m0 : ch === 1 ? m1 : m2)) * inv;
      }
    }
  }
}

/** `image` with a border of `border` pixels of grey `value` on every side. */
export function padImage(image: RgbImage, border: number, value: number): RgbImage {
  const width = image.width + 2 * border;
  const height = image.height + 2 * border;
  const data = new Uint8Array(width * height * 3).fill(value);
  const rowBytes = image.width * 3;
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((y + border) * width + border) * 3);
  }
  return { data, width, height };
}
