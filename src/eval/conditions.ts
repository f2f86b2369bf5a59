// The photo conditions of the robustness benchmark: how big the face is, how it is turned, and what happened to
// the whole photo (JPEG, blur, sensor noise, low light, colour casts, grayscale). A condition turns a rendered
// scene into what a caller would hand `estimate()`: raw pixels, or the JPEG bytes for JPEG conditions.
import sharp from 'sharp';
import { checkInteger, checkNumber, invalid } from '../core/checks.js';
import { seededRandom } from '../core/rng.js';
import type { RgbImage } from '../core/types.js';
import { decodeImage } from '../image/decode.js';

/** Side of the pasted crop (UTKFace framing: the face's 68-point box is ~0.9 of it) in every condition but size-*. */
export const BASE_FACE_SIZE = 128;

/** What the estimator gets (`input`) and the pixels it will see once decoded (`pixels`). */
export interface ConditionedImage {
  input: RgbImage | Buffer;
  pixels: RgbImage;
}

export interface Condition {
  name: string;
  description: string;
  /** Side of the pasted crop, scene pixels. */
  faceSize: number;
  /** In-plane turn of the face, degrees clockwise. */
  angle: number;
  /** The photo-level distortion (none for clean, size and rotation conditions). */
  distort?: (image: RgbImage, seed: number) => Promise<ConditionedImage>;
}

const pixels = (image: RgbImage): ConditionedImage => ({ input: image, pixels: image });
const lift = (f: (image: RgbImage, seed: number) => RgbImage) => async (image: RgbImage, seed: number) => pixels(f(image, seed));

const size = (px: number): Condition => ({ name: `size-${px}`, description: `face crop ${px} px`, faceSize: px, angle: 0 });
const rotate = (degrees: number): Condition => ({
  name: `rotate${degrees > 0 ? '+' : ''}${degrees}`,
  description: `face turned ${Math.abs(degrees)}° ${degrees > 0 ? 'clockwise' : 'anticlockwise'}`,
  faceSize: BASE_FACE_SIZE,
  angle: degrees,
});
const distorted = (name: string, description: string, distort: Condition['distort']): Condition => ({
  name,
  description,
  faceSize: BASE_FACE_SIZE,
  angle: 0,
  distort,
});

export const COLOUR_CASTS = {
  warm: [1.2, 1.0, 0.75],
  cool: [0.8, 0.95, 1.2],
  green: [0.88, 1.1, 0.85],
} as const satisfies Record<string, readonly [number, number, number]>;

export const CONDITIONS: readonly Condition[] = [
  { name: 'clean', description: `face crop ${BASE_FACE_SIZE} px, nothing else`, faceSize: BASE_FACE_SIZE, angle: 0 },
  ...[24, 32, 48, 64, 96, 200].map(size),
  ...[20, 40, 60, 90].map((q) => distorted(`jpeg-${q}`, `JPEG quality ${q}`, (image) => jpegRoundTrip(image, q))),
  ...[1.5, 3].map((sigma) => distorted(`blur-${sigma}`, `Gaussian blur, sigma ${sigma} px`, async (image) => pixels(await blur(image, sigma)))),
  ...[8, 16].map((std) => distorted(`noise-${std}`, `Gaussian noise, std ${std} levels`, lift((image, seed) => addNoise(image, std, seed)))),
  ...[40, 25].map((pc) => distorted(`lowlight-${pc}`, `levels scaled to ${pc}%`, lift((image) => scaleLevels(image, [pc / 100, pc / 100, pc / 100])))),
  ...Object.entries(COLOUR_CASTS).map(([name, gains]) =>
    distorted(`cast-${name}`, `${name} cast, RGB gains ${gains.join('/')}`, lift((image) => scaleLevels(image, gains))),
  ),
  distorted('grayscale', 'grayscale (Rec. 601 luma)', lift(grayscale)),
  ...[-20, -10, 10, 20].map(rotate),
];

/** The conditions named in a comma-separated list (all of them when the list is absent). */
export function parseConditions(list?: string): Condition[] {
  if (list === undefined) return [...CONDITIONS];
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) throw invalid('a comma-separated list of conditions', '--conditions', list);
  return names.map((name) => {
    const condition = CONDITIONS.find((c) => c.name === name);
    if (!condition) throw invalid(`one of ${CONDITIONS.map((c) => c.name).join(', ')}`, '--conditions', name);
    return condition;
  });
}

const rawInput = (image: RgbImage) => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });

export function encodeJpeg(image: RgbImage, quality: number): Promise<Buffer> {
  checkInteger(quality, 'quality', 1, 100);
  return rawInput(image).jpeg({ quality }).toBuffer();
}

async function jpegRoundTrip(image: RgbImage, quality: number): Promise<ConditionedImage> {
  const bytes = await encodeJpeg(image, quality);
  const decoded = await decodeImage(bytes, {}, `scene.jpg (quality ${quality})`);
  return { input: bytes, pixels: { data: decoded.data, width: decoded.width, height: decoded.height } };
}

export async function blur(image: RgbImage, sigma: number): Promise<RgbImage> {
  checkNumber(sigma, 'sigma', 0.3, 1000);
  // float precision: with integer kernels sharp brightens by up to 1% at sigma 3 (200 -> 202 on a flat image)
  const data = await rawInput(image).blur({ sigma, precision: 'float' }).raw().toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: image.width, height: image.height };
}

/** Independent Gaussian noise on every channel of every pixel, `std` levels, from `seed`. */
export function addNoise(image: RgbImage, std: number, seed: number): RgbImage {
  checkNumber(std, 'std', 0);
  const random = seededRandom(seed);
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i += 2) {
    // Box-Muller: two normal draws per pair of uniforms
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const t = 2 * Math.PI * random();
    data[i] = clamp(image.data[i]! + std * r * Math.cos(t));
    if (i + 1 < data.length) data[i + 1] = clamp(image.data[i + 1]! + std * r * Math.sin(t));
  }
  return { data, width: image.width, height: image.height };
}

/** Every level of channel c times gains[c] (low light when all are below 1; a colour cast when they differ). */
export function scaleLevels(image: RgbImage, gains: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = clamp(image.data[i]! * gains[0]);
    data[i + 1] = clamp(image.data[i + 1]! * gains[1]);
    data[i + 2] = clamp(image.data[i + 2]! * gains[2]);
  }
  return { data, width: image.width, height: image.height };
}

export function grayscale(image: RgbImage): RgbImage {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const y = clamp(0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!);
    data[i] = y;
    data[i + 1] = y;
    data[i + 2] = y;
  }
  return { data, width: image.width, height: image.height };
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
