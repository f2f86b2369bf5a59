// Recalibration of the age distribution by temperature (Guo et al. 2017), fitted so that the model's interval
// (10th-90th percentile by default) holds the share of true ages it claims to (80%) on held-out faces.
// A temperature rather than conformal widening: one number, applied to the distribution itself, so the interval
// and P(age < T) move together and the browser and Node read the same thing. The age estimate is read off the raw
// distribution (see infer/age-pipeline.ts), by its mean or its median, whichever has the lower MAE on the same faces.
import { checkNumber } from '../core/checks.js';
import type { AgeCalibration, AgeReadout } from '../core/model-meta.js';
import { ageInterval, applyTemperature, readAge } from '../models/dex.js';

export interface CalibrationSample {
  /** The model's (uncalibrated) distribution over ages 0..N-1. */
  distribution: ArrayLike<number>;
  truth: number;
}

/** Share of samples whose true age lies inside the [lowQ, highQ] interval of the distribution at `temperature`. */
export function intervalCoverage(samples: CalibrationSample[], temperature = 1, interval: [number, number] = [0.1, 0.9]): number {
  if (samples.length === 0) return Number.NaN;
  let inside = 0;
  for (const s of samples) {
    const probs = temperature === 1 ? s.distribution : applyTemperature(s.distribution, temperature);
    const { low, high } = ageInterval(probs, interval[0], interval[1]);
    if (s.truth >= low && s.truth <= high) inside += 1;
  }
  return inside / samples.length;
}

export interface FitOptions {
  interval?: [number, number];
  /** Coverage to reach; default the interval's nominal one (0.8 for [0.1, 0.9]). */
  target?: number;
  fittedOn?: string;
}

/**
 * The temperature whose interval coverage on `samples` is closest to the target: bisection on log T in
 * [1/8, 8] (coverage grows with T). Needs at least 50 samples: fewer cannot tell 77% from 83%.
 */
export function fitTemperature(samples: CalibrationSample[], options: FitOptions = {}): AgeCalibration {
  const interval = options.interval ?? [0.1, 0.9];
  const target = checkNumber(options.target ?? interval[1] - interval[0], 'target coverage', 0.01, 0.99);
  if (samples.length < 50) throw new RangeError(`calibration needs at least 50 labelled faces, got ${samples.length}`);
  let lo = Math.log(1 / 8);
  let hi = Math.log(8);
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (intervalCoverage(samples, Math.exp(mid), interval) < target) lo = mid;
    else hi = mid;
  }
  const temperature = Number(Math.exp((lo + hi) / 2).toFixed(4));
  return {
    method: 'temperature',
    temperature,
    fittedOn: options.fittedOn ?? 'unspecified',
    n: samples.length,
    interval,
    coverageBefore: intervalCoverage(samples, 1, interval),
    coverageAfter: intervalCoverage(samples, temperature, interval),
  };
}

/**
 * The readout (mean or median of the raw distribution) with the lower MAE on `samples`, and both MAEs. The mean
 * wins ties: it is what a model without a calibration reports.
 */
export function chooseReadout(samples: CalibrationSample[]): { readout: AgeReadout; readoutMae: Record<AgeReadout, number> } {
  if (samples.length === 0) throw new RangeError('choosing a readout needs labelled faces, got none');
  const mae = (readout: AgeReadout) => Number((samples.reduce((s, x) => s + Math.abs(readAge(x.distribution, readout) - x.truth), 0) / samples.length).toFixed(4));
  const readoutMae = { mean: mae('mean'), median: mae('median') };
  return { readout: readoutMae.median < readoutMae.mean ? 'median' : 'mean', readoutMae };
}
