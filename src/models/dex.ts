// The DEX head (Rothe et al.): a softmax over ages 0..N-1 read as a distribution. The estimate is its expected
// value, the interval two of its quantiles; training targets are one-hot or smoothed distributions.
import { checkNumber, invalid, isPlainObject } from '../core/checks.js';
import type { SizeScaling } from '../core/model-meta.js';

/** Ages 0..100. */
export const AGE_CLASSES = 101;

function checkProbs(probs: ArrayLike<number>): number {
  if (probs === null || typeof probs !== 'object' || typeof probs.length !== 'number' || probs.length === 0) {
    throw invalid('a non-empty array of probabilities', 'probs', probs);
  }
  let total = 0;
  for (let k = 0; k < probs.length; k++) {
    const p = probs[k]!;
    if (!(p >= 0) || !Number.isFinite(p)) throw invalid('probabilities >= 0', `probs[${k}]`, p);
    total += p;
  }
  if (total === 0) throw invalid('probabilities with a positive sum', 'probs', probs);
  return total;
}

/** The mean age of the distribution (renormalised, so float32 rounding in a softmax does not bias it). */
export function expectedAge(probs: ArrayLike<number>): number {
  const total = checkProbs(probs);
  let sum = 0;
  for (let k = 0; k < probs.length; k++) sum += k * probs[k]!;
  return sum / total;
}

/**
 * The age below which a fraction q of the probability lies, treating class k as spread evenly over
 * [k - 0.5, k + 0.5] so quantiles move smoothly with the distribution; clipped to [0, N-1].
 */
export function ageQuantile(probs: ArrayLike<number>, q: number): number {
  const total = checkProbs(probs);
  checkNumber(q, 'q', 0, 1);
  const target = q * total;
  let cumulative = 0;
  for (let k = 0; k < probs.length; k++) {
    const p = probs[k]!;
    if (p > 0 && cumulative + p >= target) {
      const age = k - 0.5 + (target - cumulative) / p;
      return Math.min(probs.length - 1, Math.max(0, age));
    }
    cumulative += p;
  }
  return probs.length - 1;
}

/** The point age of a distribution by `readout`: its mean (default) or its median. */
export function readAge(probs: ArrayLike<number>, readout: 'mean' | 'median' = 'mean'): number {
  return readout === 'median' ? ageQuantile(probs, 0.5) : expectedAge(probs);
}

/** The [lowQ, highQ] quantile interval of the predicted age (10th to 90th percentile by default). */
export function ageInterval(probs: ArrayLike<number>, lowQ = 0.1, highQ = 0.9): { low: number; high: number } {
  checkNumber(lowQ, 'lowQ', 0, 1);
  checkNumber(highQ, 'highQ', lowQ, 1);
  return { low: ageQuantile(probs, lowQ), high: ageQuantile(probs, highQ) };
}

/**
 * Temperature scaling of a distribution: p_k^(1/T), renormalised. T > 1 widens it (intervals that held too few
 * true ages), T < 1 sharpens it; T = 1 returns a copy.
 */
export function applyTemperature(probs: ArrayLike<number>, temperature: number): Float32Array {
  checkProbs(probs);
  checkNumber(temperature, 'temperature', Number.MIN_VALUE);
  const out = new Float32Array(probs.length);
  let total = 0;
  // in log space, so tiny probabilities raised to a large power do not all underflow to 0
  let maxLog = -Infinity;
  for (let k = 0; k < probs.length; k++) maxLog = Math.max(maxLog, Math.log(probs[k]!) / temperature);
  for (let k = 0; k < probs.length; k++) {
    const v = probs[k]! > 0 ? Math.exp(Math.log(probs[k]!) / temperature - maxLog) : 0;
    out[k] = v;
    total += v;
  }
  for (let k = 0; k < out.length; k++) out[k] = out[k]! / total;
  return out;
}

export interface TargetOptions {
  /** Label smoothing: this much of the mass is spread evenly over all classes (0..1, default 0). */
  smoothing?: number;
  /** Gaussian target with this standard deviation in years (0 or unset: one-hot). */
  sigma?: number;
  /** Number of age classes (default 101: ages 0..100). */
  classes?: number;
}

/**
 * The training target for one age: one-hot (a fractional age splits its mass between the two neighbouring
 * classes, so the target's expected value is the age) or a Gaussian over the classes, then optional label
 * smoothing. Ages are clipped to 0..classes-1.
 */
export function ageToTarget(age: number, options: TargetOptions = {}): Float32Array {
  checkNumber(age, 'age');
  if (!isPlainObject(options)) throw invalid('an object', 'options', options);
  const classes = options.classes === undefined ? AGE_CLASSES : checkNumber(options.classes, 'classes', 2);
  const sigma = options.sigma === undefined ? 0 : checkNumber(options.sigma, 'sigma', 0);
  const smoothing = options.smoothing === undefined ? 0 : checkNumber(options.smoothing, 'smoothing', 0, 1);
  if (!Number.isInteger(classes)) throw invalid('an integer >= 2', 'classes', classes);
  const a = Math.min(classes - 1, Math.max(0, age));
  const t = new Float32Array(classes);
  if (sigma > 0) {
    let total = 0;
    for (let k = 0; k < classes; k++) {
      t[k] = Math.exp(-((k - a) ** 2) / (2 * sigma * sigma));
      total += t[k]!;
    }
    for (let k = 0; k < classes; k++) t[k] = t[k]! / total;
  } else {
    const lo = Math.floor(a);
    const frac = a - lo;
    t[lo] = 1 - frac;
    if (frac > 0) t[lo + 1] = frac;
  }
  if (smoothing > 0) for (let k = 0; k < classes; k++) t[k] = t[k]! * (1 - smoothing) + smoothing / classes;
  return t;
}

/** The calibration's temperature for a face whose box is `width` pixels wide (undefined: a crop, T unchanged). */
export function faceTemperature(
  calibration: { temperature: number; sizeScaling?: Pick<SizeScaling, 'referenceWidth' | 'exponent'> | undefined },
  width: number | undefined,
): number {
  const scaling = calibration.sizeScaling;
  if (!scaling || width === undefined || !(width > 0)) return calibration.temperature;
  return calibration.temperature * Math.max(1, scaling.referenceWidth / width) ** scaling.exponent;
}
