// Runs a model over a labelled dataset through the prediction path (decode → detect → align → estimate).
import type { AgeGroup } from '../core/age-group.js';
import type { Box, LabelledRow, RejectedRow, RgbImage } from '../core/types.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { decodeImage } from '../image/decode.js';
import { openDataset, readDataset, type DatasetFormat } from '../data/readers/index.js';
import { cropLabelledFace } from '../data/labelled-face.js';
import { createFaceDetector, type DetectorMode } from '../detect/index.js';
import { chooseDetectorMode, type DetectorModeChoice } from '../data/detector-mode.js';
import type { AgeEstimator } from '../infer/estimator.js';
import { probabilityUnder } from '../infer/age-pipeline.js';
import { groupMetrics, type GroupMetrics, type GroupPrediction } from './groups.js';
import { ageMetrics, type AgeMetrics, type AgePrediction } from './metrics.js';
import { DEFAULT_THRESHOLD, thresholdMetrics, type ThresholdMetrics } from './threshold.js';

export interface EvalPrediction extends AgePrediction {
  path: string;
  /** False when no face was found and the whole image was used as the crop (a miss). */
  detected: boolean;
  distribution?: number[];
  /** The dataset's face box, when it gives one (to crop the same face again for a gallery). */
  faceBox?: Box;
  /** The labelled age group, when the labels give only a group (`truth` is then its middle). */
  truthGroup?: AgeGroup;
  /** P(age < the threshold) from the face's distribution. */
  underProbability?: number;
}

export interface EvalResult {
  predictions: EvalPrediction[];
  /** Over the rows labelled with an age (misses included, estimated on the whole image). */
  metrics: AgeMetrics;
  /** Over the rows labelled with an age group whose face was found (misses are counted, not scored). */
  groups?: GroupMetrics;
  /** Minors called adults and adults called minors, over the faces scored above. */
  threshold: ThresholdMetrics;
  /** Images estimated (predictions.length). */
  images: number;
  /** Images where the detector found no face (estimated on the whole image), and their share of `images`. */
  misses: number;
  noFaceShare: number;
  /** Images that could not be used (unreadable, corrupt), by reason. */
  errors: Record<string, number>;
  /** Labelled rows the dataset reader rejected, by reason. */
  rejects: Record<string, number>;
  /** The detector mode used and why (given, the format's, or the probe's; data/detector-mode.ts). */
  detector?: DetectorModeChoice;
}

export interface EvalOptions {
  format: DatasetFormat;
  limit?: number;
  /** 'crop' for datasets of tight face crops, 'photo' otherwise; default: chooseDetectorMode (the format, else a probe). */
  detectorMode?: DetectorMode;
  batchSize?: number;
  keepDistributions?: boolean;
  /** The age threshold T of the minor/adult counts (default 18). */
  under?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called for every labelled row the reader rejects (to print it). */
  onReject?: (row: RejectedRow) => void;
  /** Told of each skipped image (one line naming it and why); they are counted in `errors` either way. */
  onSkip?: (message: string) => void;
}

/** An evenly spread, deterministic sample of `limit` rows (sorted by path), so every age range is represented. */
export function sampleRows<T extends LabelledRow>(rows: T[], limit?: number): T[] {
  const sorted = [...rows].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!limit || limit >= sorted.length) return sorted;
  const step = sorted.length / limit;
  return Array.from({ length: limit }, (_, i) => sorted[Math.floor(i * step)]!);
}

export { defaultDetectorMode } from '../data/detector-mode.js';

export async function evaluate(source: string, estimator: AgeEstimator, options: EvalOptions): Promise<EvalResult> {
  const under = options.under ?? DEFAULT_THRESHOLD;
  const { rows: all, rejects } = await readDataset(openDataset(source, options.format, options.onReject ? { onReject: options.onReject } : {}));
  const rows = sampleRows(all, options.limit);
  const p = estimator.preprocessing;
  const choice: DetectorModeChoice = options.detectorMode
    ? { mode: options.detectorMode, reason: 'given' }
    : await chooseDetectorMode(options.format, rows.map((r) => r.path));
  const mode = choice.mode;
  const detector = mode === 'photo' ? estimator.detector : await createFaceDetector({ mode });
  const batchSize = options.batchSize ?? 32;
  const predictions: EvalPrediction[] = [];
  const errors: Record<string, number> = {};
  let misses = 0;
  let pending: { row: LabelledRow; crop: RgbImage; detected: boolean }[] = [];

  const flush = async () => {
    const estimates = await estimator.estimateCrops(pending.map((x) => x.crop));
    pending.forEach(({ row, detected }, i) => {
      const e = estimates[i]!;
      const prediction: EvalPrediction = { path: row.path, truth: row.age, age: e.age, low: e.low, high: e.high, detected };
      if (row.ageGroup) prediction.truthGroup = row.ageGroup;
      if (row.gender) prediction.truthGender = row.gender;
      if (row.race) prediction.race = row.race;
      prediction.underProbability = probabilityUnder(e, under);
      if (row.faceBox) prediction.faceBox = row.faceBox;
      if (e.gender) prediction.gender = e.gender.label;
      if (options.keepDistributions) prediction.distribution = e.distribution;
      predictions.push(prediction);
    });
    pending = [];
  };

  try {
    for (const [i, row] of rows.entries()) {
      try {
        const image = await decodeImage(row.path);
        const { pixels, detected } = await cropLabelledFace(
          image,
          row,
          { size: p.inputSize, margin: p.margin, align: p.align === 'landmarks' ? 'landmarks' : 'eyes', source: 'detect', fallbackToWhole: true },
          detector,
        );
        if (!detected) misses += 1;
        pending.push({ row, crop: pixels, detected });
        if (pending.length >= batchSize) await flush();
      } catch (err) {
        const code = errorCode(err);
        errors[code] = (errors[code] ?? 0) + 1;
        options.onSkip?.(errorMessage(err));
      }
      options.onProgress?.(i + 1, rows.length);
    }
    if (pending.length) await flush();
  } finally {
    if (detector !== estimator.detector) await detector.dispose();
  }
  return { ...scoreEval(predictions, under), predictions, misses, errors, rejects: rejects.byReason, detector: choice };
}

/**
 * The metrics of a set of predictions: age metrics over the rows with an age, group metrics over the rows with
 * only an age group whose face was found, the threshold counts over both.
 */
export function scoreEval(predictions: EvalPrediction[], under = DEFAULT_THRESHOLD): Pick<EvalResult, 'metrics' | 'groups' | 'threshold' | 'images' | 'noFaceShare'> {
  const exact = predictions.filter((p) => !p.truthGroup);
  const grouped = predictions.filter((p): p is EvalPrediction & GroupPrediction => p.truthGroup !== undefined && p.detected);
  const misses = predictions.filter((p) => !p.detected).length;
  return {
    metrics: ageMetrics(exact),
    ...(grouped.length ? { groups: groupMetrics(grouped) } : {}),
    threshold: thresholdMetrics([...exact, ...grouped], under),
    images: predictions.length,
    noFaceShare: predictions.length ? misses / predictions.length : Number.NaN,
  };
}
