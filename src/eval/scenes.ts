// Photos made from face crops, for the robustness benchmark: an aligned face crop (UTKFace's 200x200) is resized,
// turned in-plane and pasted with a soft edge into a generated scene (a textured background, never a flat colour),
// all drawn from a seed. The placement says where every pixel of the crop went, so a detection can be checked
// against it and the eyes of the crop followed into the scene.
import sharp from 'sharp';
import { checkInteger, checkNumber, invalid } from '../core/checks.js';
import { mixSeed, seededRandom } from '../core/rng.js';
import type { Point, RgbImage } from '../core/types.js';
import { checkRgbImage } from '../image/align.js';

export const DEFAULT_SCENE_WIDTH = 640;
export const DEFAULT_SCENE_HEIGHT = 480;
/**
 * The crop's soft edge: opaque inside a rounded square (|x|^4 + |y|^4 = r^4, x and y from -1 to 1 across the crop)
 * of r = FEATHER_FROM, fading out by r = 1, so the corners go round like a head. UTKFace's 68 landmarks reach to
 * ~5% of the crop's sides (median over 48 crops), so only the jaw line's ends get blended.
 */
export const FEATHER_FROM = 0.85;

/** A background and a spot for the face, both drawn from one seed; the same scene takes the face at any size. */
export interface Scene {
  background: RgbImage;
  /** Where the face's centre goes, as a share (0..1) of the room left once the face fits inside the scene. */
  spot: Point;
  seed: number;
}

/** Where the crop went: its centre, its side and its turn, in scene pixels. */
export interface Placement {
  centre: Point;
  /** Side of the pasted square, scene pixels. */
  size: number;
  /** Radians, clockwise in image coordinates (y down), like FaceFrame.angle: the crop's level eye line turns by it. */
  angle: number;
  /** Side of the crop before resizing (200 for UTKFace), the space `toScene` maps from. */
  cropSize: number;
}

export function createScene(seed: number, width = DEFAULT_SCENE_WIDTH, height = DEFAULT_SCENE_HEIGHT): Scene {
  checkInteger(width, 'width', 16, 8192);
  checkInteger(height, 'height', 16, 8192);
  const random = seededRandom(mixSeed(seed, 0x5ce9e));
  const spot = { x: random(), y: random() };
  return { background: sceneTexture(width, height, mixSeed(seed, 0xbac6)), spot, seed };
}

/**
 * A generated background: a gradient between two colours, value noise at five scales (walls, foliage, fabric)
 * and a few translucent soft-edged blocks (furniture, windows). No faces, no flat areas.
 */
export function sceneTexture(width: number, height: number, seed: number): RgbImage {
  const random = seededRandom(seed);
  const colour = () => [40 + 180 * random(), 40 + 180 * random(), 40 + 180 * random()];
  const top = colour();
  const bottom = colour();
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const t = y / (height - 1);
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = top[c]! * (1 - t) + bottom[c]! * t;
    }
  }
  for (const [cell, amplitude] of [
    [Math.max(width, height) / 3, 50],
    [80, 30],
    [30, 18],
    [12, 10],
    [5, 6],
  ] as const) {
    addValueNoise(out, width, height, cell, amplitude, random);
  }
  const blocks = 3 + Math.floor(random() * 4);
  for (let b = 0; b < blocks; b++) {
    const w = width * (0.1 + 0.35 * random());
    const h = height * (0.1 + 0.5 * random());
    const x0 = random() * (width - w);
    const y0 = random() * (height - h);
    const rgb = colour();
    const opacity = 0.35 + 0.4 * random();
    const soft = 2 + 6 * random();
    for (let y = Math.max(0, Math.floor(y0 - soft)); y < Math.min(height, Math.ceil(y0 + h + soft)); y++) {
      for (let x = Math.max(0, Math.floor(x0 - soft)); x < Math.min(width, Math.ceil(x0 + w + soft)); x++) {
        const inside = Math.min(x - x0, x0 + w - x, y - y0, y0 + h - y);
        const a = opacity * Math.min(1, Math.max(0, (inside + soft) / (2 * soft)));
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) out[o + c] = out[o + c]! * (1 - a) + rgb[c]! * a;
      }
    }
  }
  const data = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(out[i]!)));
  return { data, width, height };
}

/** Adds smooth noise: random colour offsets (±amplitude) on a grid of `cell` pixels, smoothly interpolated. */
function addValueNoise(out: Float32Array, width: number, height: number, cell: number, amplitude: number, random: () => number): void {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh * 3);
  // partly shared across channels, so the noise has brightness as well as hue
  for (let i = 0; i < gw * gh; i++) {
    const shared = random() * 2 - 1;
    for (let c = 0; c < 3; c++) grid[i * 3 + c] = amplitude * (0.6 * shared + 0.4 * (random() * 2 - 1));
  }
  const smooth = (t: number) => t * t * (3 - 2 * t);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const fy = smooth(gy - y0);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const fx = smooth(gx - x0);
      const a = (y0 * gw + x0) * 3;
      const b = a + 3;
      const c = a + gw * 3;
      const d = c + 3;
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        const top = grid[a + k]! * (1 - fx) + grid[b + k]! * fx;
        const bottom = grid[c + k]! * (1 - fx) + grid[d + k]! * fx;
        out[o + k] += top * (1 - fy) + bottom * fy;
      }
    }
  }
}

/** Where the crop goes for a face of `size` pixels turned by `angle` (radians): inside the scene, at its spot. */
export function placeFace(scene: Scene, size: number, angle: number, cropSize: number): Placement {
  checkNumber(size, 'size', 1);
  checkNumber(angle, 'angle');
  const { width, height } = scene.background;
  const half = (size * (Math.abs(Math.cos(angle)) + Math.abs(Math.sin(angle)))) / 2;
  if (2 * half > Math.min(width, height)) throw invalid(`a face that fits in the ${width}x${height} scene`, 'size', `${size} px turned ${angle.toFixed(2)} rad`);
  return {
    centre: { x: half + scene.spot.x * (width - 2 * half), y: half + scene.spot.y * (height - 2 * half) },
    size,
    angle,
    cropSize,
  };
}

/** Where a point of the original crop (its own pixels, 0..cropSize) lands in the scene. */
export function toScene(point: Point, placement: Placement): Point {
  const k = placement.size / placement.cropSize;
  const qx = (point.x - placement.cropSize / 2) * k;
  const qy = (point.y - placement.cropSize / 2) * k;
  const cos = Math.cos(placement.angle);
  const sin = Math.sin(placement.angle);
  return { x: placement.centre.x + qx * cos - qy * sin, y: placement.centre.y + qx * sin + qy * cos };
}

/** The scene with `face` (a square crop) resized to `size` px, turned by `angleDegrees` clockwise and pasted at its spot. */
export async function renderFace(scene: Scene, face: RgbImage, size: number, angleDegrees = 0): Promise<{ image: RgbImage; placement: Placement }> {
  checkRgbImage(face, 'face');
  if (face.width !== face.height) throw invalid('a square face crop', 'face', `${face.width}x${face.height}`);
  checkInteger(size, 'size', 8, 4096);
  const placement = placeFace(scene, size, (checkNumber(angleDegrees, 'angleDegrees') * Math.PI) / 180, face.width);
  const resized = size === face.width ? face : await resizeRgb(face, size);
  return { image: paste(scene.background, resized, placement), placement };
}

async function resizeRgb(image: RgbImage, size: number): Promise<RgbImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size, size, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: size, height: size };
}

/** A copy of `background` with the square `face` (already `placement.size` px) blended in, turned and soft-edged. */
function paste(background: RgbImage, face: RgbImage, placement: Placement): RgbImage {
  const { width, height } = background;
  const data = new Uint8Array(background.data);
  const s = face.width;
  const { centre, angle } = placement;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const reach = (s * (Math.abs(cos) + Math.abs(sin))) / 2 + 1;
  const max = s - 1;
  for (let y = Math.max(0, Math.floor(centre.y - reach)); y < Math.min(height, Math.ceil(centre.y + reach)); y++) {
    for (let x = Math.max(0, Math.floor(centre.x - reach)); x < Math.min(width, Math.ceil(centre.x + reach)); x++) {
      // the scene pixel's centre in the face's own frame (the inverse of toScene)
      const dx = x + 0.5 - centre.x;
      const dy = y + 0.5 - centre.y;
      const u = s / 2 + dx * cos + dy * sin;
      const v = s / 2 - dx * sin + dy * cos;
      const nx = (2 * u) / s - 1;
      const ny = (2 * v) / s - 1;
      const r = Math.sqrt(Math.sqrt(nx * nx * nx * nx + ny * ny * ny * ny));
      if (r >= 1) continue;
      const t = Math.min(1, (1 - r) / (1 - FEATHER_FROM));
      const alpha = t * t * (3 - 2 * t);
      const fx0 = Math.min(max, Math.max(0, u - 0.5));
      const fy0 = Math.min(max, Math.max(0, v - 0.5));
      const x0 = Math.floor(fx0);
      const y0 = Math.floor(fy0);
      const x1 = Math.min(max, x0 + 1);
      const y1 = Math.min(max, y0 + 1);
      const fx = fx0 - x0;
      const fy = fy0 - y0;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = face.data[(y0 * s + x0) * 3 + c]! * (1 - fx) + face.data[(y0 * s + x1) * 3 + c]! * fx;
        const bottom = face.data[(y1 * s + x0) * 3 + c]! * (1 - fx) + face.data[(y1 * s + x1) * 3 + c]! * fx;
        const value = top * (1 - fy) + bottom * fy;
        data[o + c] = Math.round(data[o + c]! * (1 - alpha) + value * alpha);
      }
    }
  }
  return { data, width, height };
}
