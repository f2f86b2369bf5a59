// FaceBatch -> network input and targets. Shard crops (`size` px) are resampled to the model's `inputSize` and
// normalised as (x - mean) / std; for training, a seeded augmentation is applied on the way.
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { ageToTarget } from '../models/dex.js';
import { tf } from '../tf/backend.js';
import { mixSeed, seededRandom, uniform } from '../core/rng.js';

export interface Augmentation {
  /** Probability of a horizontal flip. */
  flip: number;
  /** Largest shift of the crop centre, as a fraction of the crop side. */
  shift: number;
  /** Range of the zoom factor (> 1 zooms in). */
  scale: [number, number];
  /** Largest rotation, degrees. */
  rotate: number;
  /** Largest relative change of brightness, contrast and saturation. */
  brightness: number;
  contrast: number;
  saturation: number;
  /** Probability that a face is turned to grayscale (old scans). */
  grayscale: number;
  /** Probability that a face is blurred by a downscale-upscale by 2-3x (low-resolution photos). */
  blur: number;
  /** Range of the blur's downscale factor (one per batch). */
  blurFactor?: [number, number];
  /** Probability of sensor noise: Gaussian, std up to `noiseStd` (0..255 levels). */
  noise?: number;
  noiseStd?: number;
  /** Probability of a dark photo: all levels scaled by 0.35-0.75 (then noise, if drawn, is on top). */
  lowLight?: number;
  /** Largest relative change of each colour channel's gain (white balance, tungsten or fluorescent casts). */
  colourCast?: number;
}

export const DEFAULT_AUGMENTATION: Readonly<Augmentation> = Object.freeze({
  flip: 0.5,
  shift: 0.08,
  scale: [0.9, 1.1] as [number, number],
  rotate: 10,
  brightness: 0.2,
  contrast: 0.2,
  saturation: 0.2,
  grayscale: 0.15,
  blur: 0.1,
});

/**
 * Photos unlike UTKFace's studio-like crops: the distortions of bench:robust (blur of small faces, sensor noise,
 * low light, colour casts, grayscale, rotation, framing) drawn more often and wider. JPEG artefacts are not
 * simulated here (no in-graph codec); the shards themselves are JPEG-decoded crops.
 */
export const WILD_AUGMENTATION: Readonly<Augmentation> = Object.freeze({
  ...DEFAULT_AUGMENTATION,
  shift: 0.06,
  scale: [0.9, 1.12] as [number, number],
  rotate: 15,
  brightness: 0.3,
  contrast: 0.3,
  saturation: 0.3,
  grayscale: 0.1,
  blur: 0.25,
  blurFactor: [1.5, 4] as [number, number],
  noise: 0.3,
  noiseStd: 12,
  lowLight: 0.2,
  colourCast: 0.12,
});

export const AUGMENTATIONS = { default: DEFAULT_AUGMENTATION, wild: WILD_AUGMENTATION } as const;
export type AugmentationName = keyof typeof AUGMENTATIONS;

export interface InputOptions {
  /** `true` for DEFAULT_AUGMENTATION, or some fields to override; false/absent for none (validation). */
  augment?: boolean | Partial<Augmentation>;
  /** Seed of this batch's random draws (the trainer passes one derived from run seed and step). */
  seed?: number;
}

/** Per-image draws of one augmented batch, in plain numbers (exported for tests). */
export interface AugmentDraws {
  flip: boolean[];
  shiftX: number[];
  shiftY: number[];
  scale: number[];
  angle: number[];
  brightness: number[];
  contrast: number[];
  saturation: number[];
  blur: boolean[];
  blurFactor: number;
  /** Per image: noise std (0: none), light gain (1: none), per-channel gains [r, g, b]. */
  noiseStd: number[];
  light: number[];
  cast: [number, number, number][];
  /** Seed of the noise pattern. */
  noiseSeed: number;
}

export function drawAugmentation(count: number, aug: Augmentation, seed: number): AugmentDraws {
  const random = seededRandom(seed);
  const d: AugmentDraws = {
    flip: [], shiftX: [], shiftY: [], scale: [], angle: [], brightness: [], contrast: [], saturation: [], blur: [],
    blurFactor: 0, noiseStd: [], light: [], cast: [], noiseSeed: 0,
  };
  for (let i = 0; i < count; i++) {
    d.flip.push(random() < aug.flip);
    d.shiftX.push(uniform(random, -aug.shift, aug.shift));
    d.shiftY.push(uniform(random, -aug.shift, aug.shift));
    d.scale.push(uniform(random, aug.scale[0], aug.scale[1]));
    d.angle.push((uniform(random, -aug.rotate, aug.rotate) * Math.PI) / 180);
    d.brightness.push(uniform(random, 1 - aug.brightness, 1 + aug.brightness));
    d.contrast.push(uniform(random, 1 - aug.contrast, 1 + aug.contrast));
    const gray = random() < aug.grayscale;
    d.saturation.push(gray ? 0 : uniform(random, 1 - aug.saturation, 1 + aug.saturation));
    d.blur.push(random() < aug.blur);
  }
  d.blurFactor = uniform(random, ...(aug.blurFactor ?? [2, 3]));
  // A second stream, so the draws above stay what they were before these distortions existed.
  const wild = seededRandom(mixSeed(seed, 0x5eed));
  for (let i = 0; i < count; i++) {
    d.noiseStd.push(wild() < (aug.noise ?? 0) ? uniform(wild, 2, aug.noiseStd ?? 10) : 0);
    d.light.push(wild() < (aug.lowLight ?? 0) ? uniform(wild, 0.35, 0.75) : 1);
    const c = aug.colourCast ?? 0;
    d.cast.push(c > 0 ? [uniform(wild, 1 - c, 1 + c), uniform(wild, 1 - c, 1 + c), uniform(wild, 1 - c, 1 + c)] : [1, 1, 1]);
  }
  d.noiseSeed = Math.floor(wild() * 2 ** 31);
  return d;
}

/**
 * Rows for tf.image.transform mapping output pixel (x, y) of an `out`-sided image to the input pixel it samples
 * in an image whose face spans `extent` pixels, for per-image flip, zoom, rotation and shift (about the centre,
 * in units where the face spans [-1, 1]). Pixel centres sit at integer coordinates.
 */
export function affineRows(
  count: number,
  extent: number,
  out: number,
  draws?: Pick<AugmentDraws, 'flip' | 'shiftX' | 'shiftY' | 'scale' | 'angle'>,
): Float32Array {
  const rows = new Float32Array(count * 8);
  const beta = 1 / out - 1;
  for (let i = 0; i < count; i++) {
    const s = draws ? draws.scale[i] : 1;
    const fx = draws?.flip[i] ? -1 : 1;
    const cos = Math.cos(draws ? draws.angle[i] : 0);
    const sin = Math.sin(draws ? draws.angle[i] : 0);
    // A = R(angle) . diag(fx / s, 1 / s); output q = (2 (x + 0.5) / out - 1) maps to input q' = A q + t.
    const a00 = (cos * fx) / s;
    const a01 = -sin / s;
    const a10 = (sin * fx) / s;
    const a11 = cos / s;
    const tx = draws ? 2 * draws.shiftX[i] : 0;
    const ty = draws ? 2 * draws.shiftY[i] : 0;
    const k = extent / out;
    const half = extent / 2;
    rows.set(
      [
        k * a00, k * a01, half * ((a00 + a01) * beta + tx + 1) - 0.5,
        k * a10, k * a11, half * ((a10 + a11) * beta + ty + 1) - 0.5,
        0, 0,
      ],
      i * 8,
    );
  }
  return rows;
}

// Borders are filled with the nearest edge pixel: the wasm Transform kernel mishandles 'reflect' left of and
// above the image (tfjs 4.22). The cpu kernel returns after the first image of a batch, so there we go one
// image at a time.
function transform(x: tf.Tensor4D, rows: Float32Array, out: number): tf.Tensor4D {
  const count = x.shape[0];
  if (tf.getBackend() !== 'cpu' || count === 1) {
    return tf.image.transform(x, tf.tensor2d(rows, [count, 8]), 'bilinear', 'nearest', 0, [out, out]);
  }
  const parts = tf.split<tf.Tensor4D>(x, count, 0).map((img, i) =>
    tf.image.transform(img, tf.tensor2d(rows.subarray(i * 8, i * 8 + 8), [1, 8]), 'bilinear', 'nearest', 0, [out, out]),
  );
  return tf.concat(parts, 0);
}

function perImage(values: number[]): tf.Tensor4D {
  return tf.tensor4d(values, [values.length, 1, 1, 1]);
}

function resolveAugmentation(augment: InputOptions['augment']): Augmentation | undefined {
  if (!augment) return undefined;
  return augment === true ? { ...DEFAULT_AUGMENTATION } : { ...DEFAULT_AUGMENTATION, ...augment };
}

/** The model input for a batch: [count, inputSize, inputSize, 3] float32, normalised. */
export function batchToInput(batch: FaceBatch, preprocessing: Preprocessing, options: InputOptions = {}): tf.Tensor4D {
  const { count, size } = batch;
  if (batch.faces.length !== count * size * size * 3) {
    throw new Error(`FaceBatch has ${batch.faces.length} bytes of faces, expected ${count} x ${size} x ${size} x 3`);
  }
  const out = preprocessing.inputSize;
  const aug = resolveAugmentation(options.augment);
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(Float32Array.from(batch.faces), [count, size, size, 3]);
    // Area-average first when shrinking by 2x or more: bilinear sampling alone would alias.
    const pool = Math.floor(size / out);
    if (pool >= 2) x = tf.avgPool(x, pool, pool, 'valid');
    const extent = size / Math.max(1, pool);
    const draws = aug ? drawAugmentation(count, aug, options.seed ?? 0) : undefined;
    if (draws || x.shape[1] !== out || extent !== out) x = transform(x, affineRows(count, extent, out, draws), out);
    if (draws) x = colourJitter(x, draws);
    const mean = tf.tensor1d(preprocessing.mean);
    const std = tf.tensor1d(preprocessing.std);
    return tf.div(tf.sub(x, mean), std) as tf.Tensor4D;
  });
}

function colourJitter(x: tf.Tensor4D, d: AugmentDraws): tf.Tensor4D {
  const out = x.shape[1];
  const luma = tf.tensor1d([0.299, 0.587, 0.114]);
  let y = tf.mul(x, perImage(d.brightness)) as tf.Tensor4D;
  let gray = tf.sum(tf.mul(y, luma), 3, true) as tf.Tensor4D;
  const meanGray = tf.mean(gray, [1, 2, 3], true);
  y = tf.add(tf.mul(tf.sub(y, meanGray), perImage(d.contrast)), meanGray) as tf.Tensor4D;
  gray = tf.sum(tf.mul(y, luma), 3, true) as tf.Tensor4D;
  y = tf.add(gray, tf.mul(tf.sub(y, gray), perImage(d.saturation))) as tf.Tensor4D;
  if (d.blur.some(Boolean)) {
    const small = Math.max(2, Math.round(out / d.blurFactor));
    const blurred = tf.image.resizeBilinear(tf.image.resizeBilinear(y, [small, small], false, true), [out, out], false, true);
    const mask = perImage(d.blur.map((b) => (b ? 1 : 0)));
    y = tf.add(tf.mul(blurred, mask), tf.mul(y, tf.sub(1, mask))) as tf.Tensor4D;
  }
  if (d.cast.some((c) => c[0] !== 1 || c[1] !== 1 || c[2] !== 1)) y = tf.mul(y, tf.tensor4d(d.cast.flat(), [d.cast.length, 1, 1, 3])) as tf.Tensor4D;
  if (d.light.some((l) => l !== 1)) y = tf.mul(y, perImage(d.light)) as tf.Tensor4D;
  if (d.noiseStd.some((n) => n > 0)) {
    y = tf.add(y, tf.mul(tf.randomNormal(y.shape, 0, 1, 'float32', d.noiseSeed), perImage(d.noiseStd))) as tf.Tensor4D;
  }
  return tf.clipByValue(y, 0, 255);
}

export interface TargetSpec {
  /** Number of age classes (the age head's width): ages 0..classes-1. */
  classes: number;
  /** 'onehot' (DEX), 'smooth' (label smoothing by `smoothing`) or 'gaussian' (std `sigma` years). */
  kind?: 'onehot' | 'smooth' | 'gaussian';
  smoothing?: number;
  sigma?: number;
}

export const DEFAULT_TARGETS = { kind: 'gaussian', smoothing: 0.1, sigma: 1.5 } as const;

/** One age's target distribution, as dex.ts's ageToTarget makes it for the chosen kind. */
export function ageTarget(age: number, options: TargetSpec): Float32Array {
  const kind = options.kind ?? DEFAULT_TARGETS.kind;
  return ageToTarget(age, {
    classes: options.classes,
    smoothing: kind === 'smooth' ? (options.smoothing ?? DEFAULT_TARGETS.smoothing) : 0,
    sigma: kind === 'gaussian' ? (options.sigma ?? DEFAULT_TARGETS.sigma) : 0,
  });
}

export interface Targets {
  /** [count, classes] age distributions. */
  age: tf.Tensor2D;
  /** [count] ages (for the mean-variance loss and MAE). */
  ages: tf.Tensor1D;
  /** [count, 2] one-hot gender (0 = male, 1 = female) and [count] weights: 0 where gender is unknown. */
  gender: tf.Tensor2D;
  genderWeight: tf.Tensor1D;
}

export function batchToTargets(batch: FaceBatch, options: TargetSpec): Targets {
  const { count } = batch;
  const age = new Float32Array(count * options.classes);
  const gender = new Float32Array(count * 2);
  const weight = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    age.set(ageTarget(batch.ages[i], options), i * options.classes);
    const g = batch.genders[i];
    if (g === 0 || g === 1) {
      gender[i * 2 + g] = 1;
      weight[i] = 1;
    }
  }
  return {
    age: tf.tensor2d(age, [count, options.classes]),
    ages: tf.tensor1d(batch.ages),
    gender: tf.tensor2d(gender, [count, 2]),
    genderWeight: tf.tensor1d(weight),
  };
}
