// Per-age loss weights for a training set crowded in some ages (UTKFace: 27% of faces are 20-29, 6% are 10-19).
// weight(age) = (smoothed share of that age)^-strength, scaled so the training faces' mean weight is 1 and capped,
// so one rare age cannot dominate a batch. strength 0: every face weighs 1; 1: every age weighs the same.
import { checkNumber } from '../core/checks.js';

export interface BalanceOptions {
  /** 0..1 (see above). */
  strength: number;
  /** Number of age classes (ages 0..classes-1). */
  classes: number;
  /** Half-width of the moving average over neighbouring ages, years. Default 2. */
  window?: number;
  /** Largest weight after normalisation. Default 4. */
  maxWeight?: number;
}

export function ageBalanceWeights(ages: ArrayLike<number>, options: BalanceOptions): Float32Array {
  const strength = checkNumber(options.strength, 'balance strength', 0, 1);
  const { classes } = options;
  const window = options.window ?? 2;
  const maxWeight = options.maxWeight ?? 4;
  const counts = new Float64Array(classes);
  for (let i = 0; i < ages.length; i++) counts[Math.min(classes - 1, Math.max(0, Math.round(ages[i]!)))]! += 1;
  const weights = new Float32Array(classes);
  for (let a = 0; a < classes; a++) {
    let sum = 0;
    let n = 0;
    for (let b = Math.max(0, a - window); b <= Math.min(classes - 1, a + window); b++, n++) sum += counts[b]!;
    // + 1: an age nobody has gets a finite weight (it is never used, but keeps the cap meaningful)
    weights[a] = ((sum + 1) / n) ** -strength;
  }
  let mean = 0;
  for (let i = 0; i < ages.length; i++) mean += weights[Math.min(classes - 1, Math.max(0, Math.round(ages[i]!)))]!;
  mean = ages.length ? mean / ages.length : 1;
  for (let a = 0; a < classes; a++) weights[a] = Math.min(maxWeight, weights[a]! / mean);
  return weights;
}
