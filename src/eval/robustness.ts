// Metrics of the robustness benchmark: which detection is the pasted face, per-condition MAE and signed error by
// decade with the no-face share, the mean over conditions against clean, and crop-mode vs photo-mode agreement.
import { invalid } from '../core/checks.js';
import type { DetectedFace } from '../core/types.js';
import { faceFrame } from '../image/align.js';
import { ageMetrics, AGE_BANDS, type BandMetrics } from './metrics.js';
import { toScene, type Placement } from './scenes.js';

/** The face's centre in UTKFace's aligned 200 px crops: between eyes and mouth at (98, 98) (see image/align.ts). */
const CROP_CENTRE = 98 / 200;
/** UTKFace's crop side per face scale (DEFAULT_MARGIN's measurement), for the size a detection should have. */
const CROP_PER_SCALE = 2.45;

/**
 * The detection that is the pasted face: its eyes-mouth centre within a quarter of the crop side of where the
 * crop's face centre went, and its face scale within 0.5-2x of the expected one; the closest such. Undefined
 * when none is (the face was not found); any other detection is a false positive.
 */
export function matchFace(faces: readonly DetectedFace[], placement: Placement): number | undefined {
  const expected = toScene({ x: CROP_CENTRE * placement.cropSize, y: CROP_CENTRE * placement.cropSize }, placement);
  const scale = placement.size / CROP_PER_SCALE;
  let best: number | undefined;
  let bestDistance = Infinity;
  faces.forEach((face, i) => {
    const frame = faceFrame(face.landmarks);
    const distance = Math.hypot(frame.centre.x - expected.x, frame.centre.y - expected.y);
    if (distance > placement.size / 4 || frame.scale < scale / 2 || frame.scale > scale * 2) return;
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return best;
}

/** One face in one condition. */
export interface FaceOutcome {
  /** Which face of the benchmark (the same index in every condition). */
  face: number;
  truth: number;
  /** Undefined when the face was not found. */
  age?: number;
  low?: number;
  high?: number;
  /** face-api's AgeGenderNet on the same detection, in face-api's framing. */
  reference?: number;
  /** Detections that are not the face. */
  falsePositives: number;
  /** With bench:robust --distributions: the detected box's width in photo pixels and the age distribution. */
  boxWidth?: number;
  distribution?: number[];
}

export interface AgeSummary {
  n: number;
  mae: number;
  meanSignedError: number;
  cs5: number;
  /** Share of true ages inside [low, high] (NaN without intervals). */
  intervalCoverage: number;
  byBand: Record<string, BandMetrics>;
}

export interface ConditionSummary {
  condition: string;
  faces: number;
  found: number;
  /** Share of faces with no detection at the face. */
  noFaceShare: number;
  falsePositivesPerPhoto: number;
  model: AgeSummary;
  /** face-api's AgeGenderNet on the same found faces (absent when it was not run). */
  reference?: AgeSummary;
  /** MAE on clean photos of the same found faces: what this condition's MAE compares to without selection effects. */
  cleanMaeSameFaces?: { model: number; reference?: number };
}

function summarise(pairs: { truth: number; age: number; low?: number; high?: number }[]): AgeSummary {
  const m = ageMetrics(pairs);
  const signed = pairs.length ? pairs.reduce((a, p) => a + p.age - p.truth, 0) / pairs.length : Number.NaN;
  return { n: m.n, mae: m.mae, meanSignedError: signed, cs5: m.cs5, intervalCoverage: m.intervalCoverage, byBand: m.byBand };
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

/** The metrics of one condition; with `clean` (the clean condition's outcomes), also clean MAE on the same faces. */
export function summariseCondition(condition: string, outcomes: readonly FaceOutcome[], clean?: readonly FaceOutcome[]): ConditionSummary {
  const found = outcomes.filter((o) => o.age !== undefined);
  const summary: ConditionSummary = {
    condition,
    faces: outcomes.length,
    found: found.length,
    noFaceShare: outcomes.length ? 1 - found.length / outcomes.length : Number.NaN,
    falsePositivesPerPhoto: mean(outcomes.map((o) => o.falsePositives)),
    model: summarise(found.map((o) => ({ truth: o.truth, age: o.age!, low: o.low, high: o.high }))),
  };
  const withReference = found.filter((o) => o.reference !== undefined);
  if (withReference.length) summary.reference = summarise(withReference.map((o) => ({ truth: o.truth, age: o.reference! })));
  if (clean) {
    const cleanOf = new Map(clean.filter((o) => o.age !== undefined).map((o) => [o.face, o]));
    const paired = found.flatMap((o) => (cleanOf.has(o.face) ? [cleanOf.get(o.face)!] : []));
    summary.cleanMaeSameFaces = { model: mean(paired.map((o) => Math.abs(o.age! - o.truth))) };
    const pairedRef = paired.filter((o) => o.reference !== undefined);
    if (summary.reference && pairedRef.length) summary.cleanMaeSameFaces.reference = mean(pairedRef.map((o) => Math.abs(o.reference! - o.truth)));
  }
  return summary;
}

export interface RobustnessSummary {
  cleanMae: number;
  /** Mean of the MAEs of every condition except clean. */
  meanMae: number;
  /** meanMae / cleanMae: the target is <= 1.15. */
  ratio: number;
  reference?: { cleanMae: number; meanMae: number; ratio: number };
  /** Conditions where the model's MAE is above face-api's on the same faces. */
  worseThanReference: string[];
}

export function robustnessSummary(conditions: readonly ConditionSummary[], cleanName = 'clean'): RobustnessSummary {
  const clean = conditions.find((c) => c.condition === cleanName);
  const others = conditions.filter((c) => c.condition !== cleanName && c.model.n > 0);
  const cleanMae = clean?.model.mae ?? Number.NaN;
  const meanMae = mean(others.map((c) => c.model.mae));
  const result: RobustnessSummary = {
    cleanMae,
    meanMae,
    ratio: meanMae / cleanMae,
    worseThanReference: conditions.filter((c) => c.reference && c.model.mae > c.reference.mae).map((c) => c.condition),
  };
  if (clean?.reference && others.every((c) => c.reference)) {
    const refMean = mean(others.map((c) => c.reference!.mae));
    result.reference = { cleanMae: clean.reference.mae, meanMae: refMean, ratio: refMean / clean.reference.mae };
  }
  return result;
}

export interface Consistency {
  /** Faces estimated in both modes. */
  n: number;
  /** Faces found in crop mode but not in photo mode, and the other way round. */
  onlyCrop: number;
  onlyPhoto: number;
  meanAbsDifference: number;
  /** Mean of (photo − crop): positive means photo mode reads older. */
  meanSignedDifference: number;
  /** The largest |photo − crop|. */
  maxAbsDifference: number;
  /** MAE of each mode on the faces both estimated. */
  cropMae: number;
  photoMae: number;
}

/** Agreement of two estimates of the same faces (undefined: not found), against their true ages. */
export function modeConsistency(truth: readonly number[], crop: readonly (number | undefined)[], photo: readonly (number | undefined)[]): Consistency {
  if (crop.length !== truth.length || photo.length !== truth.length) {
    throw invalid(`one crop and one photo estimate per face (${truth.length})`, 'crop, photo', `${crop.length} and ${photo.length}`);
  }
  const both: number[] = [];
  let onlyCrop = 0;
  let onlyPhoto = 0;
  truth.forEach((_, i) => {
    if (crop[i] !== undefined && photo[i] !== undefined) both.push(i);
    else if (crop[i] !== undefined) onlyCrop += 1;
    else if (photo[i] !== undefined) onlyPhoto += 1;
  });
  const diff = both.map((i) => photo[i]! - crop[i]!);
  return {
    n: both.length,
    onlyCrop,
    onlyPhoto,
    meanAbsDifference: mean(diff.map(Math.abs)),
    meanSignedDifference: mean(diff),
    maxAbsDifference: diff.length ? Math.max(...diff.map(Math.abs)) : Number.NaN,
    cropMae: mean(both.map((i) => Math.abs(crop[i]! - truth[i]!))),
    photoMae: mean(both.map((i) => Math.abs(photo[i]! - truth[i]!))),
  };
}

export { AGE_BANDS };
