// Fitting a calibration's size scaling (model-meta.ts SizeScaling): on faces rendered at several sizes (bench:robust
// --split val --distributions), the referenceWidth and exponent whose widened intervals hold the wanted share of
// true ages in each condition, as evenly as a grid search finds.
import type { AgeCalibration, SizeScaling } from '../core/model-meta.js';
import { ageInterval, applyTemperature, faceTemperature } from '../models/dex.js';

export interface SizedFace {
  condition: string;
  truth: number;
  /** Detected box width, photo pixels. */
  boxWidth: number;
  /** The age distribution as the run's calibration gave it. */
  distribution: readonly number[];
}

export interface ConditionCoverage {
  n: number;
  before: number;
  after: number;
}

export interface SizeScalingFit {
  referenceWidth: number;
  exponent: number;
  /** Sum over the conditions of (coverage − target)², the reference condition left out. */
  loss: number;
  byCondition: Record<string, ConditionCoverage>;
}

export const DEFAULT_WIDTHS = Array.from({ length: 19 }, (_, i) => 20 + 10 * i);
export const DEFAULT_EXPONENTS = Array.from({ length: 31 }, (_, i) => i * 0.05);

/**
 * The grid point (referenceWidth, exponent) that brings each condition's interval coverage closest to that of
 * `reference` (a condition among the faces, e.g. the full-size 'clean' one), or with no reference to
 * `interval[1] - interval[0]`. Against a reference, the scaling corrects how coverage falls with the face's size
 * and leaves the overall level to the temperature, fitted on crops: photo mode on 898 full-size validation faces
 * measured that level 2.5 points off the test split's, which a fit to the nominal share would have copied into every
 * face below the reference width. `applied` is the calibration the distributions came out of: its own size scaling
 * is undone face by face, so a model fitted once can be fitted again. A tie keeps the smaller exponent. With a
 * reference, widths above its 5th percentile box width are not tried: the reference faces must stay as they are.
 */
export function fitSizeScaling(
  faces: readonly SizedFace[],
  applied: Pick<AgeCalibration, 'temperature' | 'sizeScaling'>,
  interval: [number, number],
  options: { reference?: string; widths?: readonly number[]; exponents?: readonly number[] } = {},
): SizeScalingFit {
  if (faces.length === 0) throw new Error('no faces to fit the size scaling on');
  const conditions = [...new Set(faces.map((f) => f.condition))];
  const { reference } = options;
  if (reference !== undefined && !conditions.includes(reference)) throw new Error(`no faces of the reference condition '${reference}'`);
  const coverage = (scaling: Pick<SizeScaling, 'referenceWidth' | 'exponent'> | undefined) => {
    const inside = new Map<string, { n: number; hit: number }>(conditions.map((c) => [c, { n: 0, hit: 0 }]));
    for (const face of faces) {
      const wanted = faceTemperature({ temperature: 1, sizeScaling: scaling }, face.boxWidth);
      const had = faceTemperature({ temperature: 1, sizeScaling: applied.sizeScaling }, face.boxWidth);
      const ratio = wanted / had;
      const probs = Math.abs(ratio - 1) < 1e-12 ? face.distribution : applyTemperature(face.distribution, ratio);
      const { low, high } = ageInterval(probs, interval[0], interval[1]);
      const tally = inside.get(face.condition)!;
      tally.n += 1;
      if (face.truth >= low && face.truth <= high) tally.hit += 1;
    }
    return new Map([...inside].map(([c, { n, hit }]) => [c, { n, share: hit / n }]));
  };
  const lossOf = (cov: ReturnType<typeof coverage>) => {
    const target = reference === undefined ? interval[1] - interval[0] : cov.get(reference)!.share;
    return [...cov].reduce((sum, [c, { share }]) => (c === reference ? sum : sum + (share - target) ** 2), 0);
  };
  const before = coverage(applied.sizeScaling);
  const widest = reference === undefined ? Infinity : percentile(faces.filter((f) => f.condition === reference).map((f) => f.boxWidth), 0.05);
  let best: { referenceWidth: number; exponent: number; loss: number; cov: ReturnType<typeof coverage> } | undefined;
  for (const exponent of options.exponents ?? DEFAULT_EXPONENTS) {
    for (const referenceWidth of options.widths ?? DEFAULT_WIDTHS) {
      if (referenceWidth > widest && exponent > 0) continue;
      const cov = coverage({ referenceWidth, exponent });
      const loss = lossOf(cov);
      if (!best || loss < best.loss - 1e-12) best = { referenceWidth, exponent, loss, cov };
      if (exponent === 0) break; // every width is the same scaling
    }
  }
  return {
    referenceWidth: best!.referenceWidth,
    exponent: best!.exponent,
    loss: best!.loss,
    byCondition: Object.fromEntries(conditions.map((c) => [c, { n: before.get(c)!.n, before: before.get(c)!.share, after: best!.cov.get(c)!.share }])),
  };
}

/** The value below which a share `q` of `values` lies (the lower one of the two around it). */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}
