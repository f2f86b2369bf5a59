// Age-estimation metrics: MAE, RMSE, CS@k (share within k years), per age band, interval coverage.

export interface AgePrediction {
  truth: number;
  age: number;
  low?: number;
  high?: number;
  gender?: 'male' | 'female';
  truthGender?: 'male' | 'female';
  /** The labelled race (UTKFace: White, Black, Asian, Indian, Others), for the fairness card. */
  race?: string;
}

export interface BandMetrics {
  n: number;
  mae: number;
  /** Mean of (predicted − true): positive means the model guesses too old. */
  meanSignedError: number;
}

export interface AgeMetrics {
  n: number;
  mae: number;
  rmse: number;
  cs5: number;
  cs10: number;
  byBand: Record<string, BandMetrics>;
  /** Share of true ages inside [low, high], over predictions that carry an interval (NaN if none do). */
  intervalCoverage: number;
  /** Mean width of the predicted interval in years. */
  meanIntervalWidth: number;
  byGender?: Record<string, BandMetrics>;
  /** By labelled race, names sorted (when the labels give one). */
  byRace?: Record<string, BandMetrics>;
  genderAccuracy?: number;
}

export const AGE_BANDS = ['0-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70+'] as const;

export function ageBand(age: number): string {
  const decade = Math.floor(age / 10);
  return decade >= 7 ? '70+' : `${decade * 10}-${decade * 10 + 9}`;
}

function bandOf(items: AgePrediction[]): BandMetrics {
  const n = items.length;
  if (n === 0) return { n: 0, mae: Number.NaN, meanSignedError: Number.NaN };
  let abs = 0;
  let signed = 0;
  for (const p of items) {
    abs += Math.abs(p.age - p.truth);
    signed += p.age - p.truth;
  }
  return { n, mae: abs / n, meanSignedError: signed / n };
}

export function ageMetrics(predictions: AgePrediction[]): AgeMetrics {
  const n = predictions.length;
  const errors = predictions.map((p) => Math.abs(p.age - p.truth));
  const within = (k: number) => (n ? errors.filter((e) => e <= k).length / n : Number.NaN);
  const byBand: Record<string, BandMetrics> = {};
  for (const band of AGE_BANDS) byBand[band] = bandOf(predictions.filter((p) => ageBand(p.truth) === band));
  const withInterval = predictions.filter((p) => p.low !== undefined && p.high !== undefined);
  const metrics: AgeMetrics = {
    n,
    mae: n ? errors.reduce((a, b) => a + b, 0) / n : Number.NaN,
    rmse: n ? Math.sqrt(errors.reduce((a, b) => a + b * b, 0) / n) : Number.NaN,
    cs5: within(5),
    cs10: within(10),
    byBand,
    intervalCoverage: withInterval.length
      ? withInterval.filter((p) => p.truth >= p.low! && p.truth <= p.high!).length / withInterval.length
      : Number.NaN,
    meanIntervalWidth: withInterval.length ? withInterval.reduce((a, p) => a + (p.high! - p.low!), 0) / withInterval.length : Number.NaN,
  };
  const gendered = predictions.filter((p) => p.truthGender);
  if (gendered.length) {
    metrics.byGender = {
      male: bandOf(gendered.filter((p) => p.truthGender === 'male')),
      female: bandOf(gendered.filter((p) => p.truthGender === 'female')),
    };
    const judged = gendered.filter((p) => p.gender);
    if (judged.length) metrics.genderAccuracy = judged.filter((p) => p.gender === p.truthGender).length / judged.length;
  }
  const races = [...new Set(predictions.flatMap((p) => (p.race === undefined ? [] : [p.race])))].sort();
  if (races.length) metrics.byRace = Object.fromEntries(races.map((r) => [r, bandOf(predictions.filter((p) => p.race === r))]));
  return metrics;
}

/**
 * The predicted distribution's cumulative probability at `age`, each class k spread evenly over [k - 0.5, k + 0.5]
 * (the convention of ageQuantile in models/dex.ts, so cdf(ageQuantile(p, q)) = q).
 */
export function ageCdf(probs: ArrayLike<number>, age: number): number {
  let total = 0;
  let below = 0;
  for (let k = 0; k < probs.length; k++) {
    const p = probs[k]!;
    total += p;
    below += p * Math.min(1, Math.max(0, age - (k - 0.5)));
  }
  return total > 0 ? below / total : Number.NaN;
}

export const CALIBRATION_LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

export interface CalibrationPoint {
  /** Nominal quantile level q. */
  level: number;
  /** Share of true ages below the predicted q-quantile: q when the distributions are calibrated. */
  observed: number;
  n: number;
}

/** Reliability of the predicted distributions, over the predictions that carry one (empty if none do). */
export function quantileCalibration(
  predictions: Array<{ truth: number; distribution?: ArrayLike<number> }>,
  levels: readonly number[] = CALIBRATION_LEVELS,
): CalibrationPoint[] {
  const pit = predictions.filter((p) => p.distribution && p.distribution.length > 0).map((p) => ageCdf(p.distribution!, p.truth));
  if (pit.length === 0) return [];
  return levels.map((level) => ({ level, observed: pit.filter((u) => u < level).length / pit.length, n: pit.length }));
}

/** A plain-text table of the metrics, as `howold eval` prints it. */
export function formatMetrics(m: AgeMetrics, misses: number): string {
  const f = (x: number, d = 2) => (Number.isNaN(x) ? '-' : x.toFixed(d));
  const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);
  const lines = [
    `faces ${m.n}   misses ${misses}`,
    `MAE ${f(m.mae)}   RMSE ${f(m.rmse)}   CS@5 ${pct(m.cs5)}   CS@10 ${pct(m.cs10)}`,
    `interval coverage ${pct(m.intervalCoverage)} (mean width ${f(m.meanIntervalWidth, 1)} years)`,
  ];
  if (m.genderAccuracy !== undefined) lines.push(`gender accuracy ${pct(m.genderAccuracy)}`);
  lines.push('', 'band     n      MAE    mean signed error');
  for (const [band, b] of Object.entries(m.byBand)) {
    lines.push(`${band.padEnd(8)} ${String(b.n).padStart(5)}  ${f(b.mae).padStart(6)}  ${f(b.meanSignedError).padStart(8)}`);
  }
  return lines.join('\n');
}
