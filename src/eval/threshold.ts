// An age threshold T (18 by default): how many minors the model calls adults and how many adults it calls minors,
// decided two ways: by P(age < T) < 0.5 from the distribution, and by the estimate (>= T). With group labels a face is a minor only if its whole group is under T and
// an adult only if its whole group is T or over; a group across T (10-19 for T = 18) is left out and named.
import type { AgeGroup } from '../core/age-group.js';

export const DEFAULT_THRESHOLD = 18;

export interface ThresholdPrediction {
  truth: number;
  truthGroup?: AgeGroup;
  age: number;
  /** P(age < T) from the face's distribution (probabilityUnder), when it has one. */
  underProbability?: number;
}

export interface ThresholdErrors {
  /** Minors called adults, and their share of the minors. */
  minorsCalledAdult: number;
  minorRate: number;
  /** Adults called minors, and their share of the adults. */
  adultsCalledMinor: number;
  adultRate: number;
}

export interface ThresholdMetrics {
  years: number;
  minors: number;
  adults: number;
  /** Faces whose age group spans T: neither minor nor adult for sure, so not counted. */
  excluded: number;
  excludedGroups: string[];
  /** Called adult when P(age < T) < 0.5 (over the faces that have a distribution; absent if none do). */
  byProbability?: ThresholdErrors;
  /** Called adult when the estimate is T or more. */
  byEstimate: ThresholdErrors;
}

/** 'minor', 'adult', or undefined when the group spans the threshold. */
export function truthSide(p: Pick<ThresholdPrediction, 'truth' | 'truthGroup'>, years: number): 'minor' | 'adult' | undefined {
  const g = p.truthGroup;
  if (!g) return p.truth < years ? 'minor' : 'adult';
  if (g.high !== undefined && g.high < years) return 'minor';
  if (g.low >= years) return 'adult';
  return undefined;
}

function errors(minors: boolean[], adults: boolean[]): ThresholdErrors {
  // each array holds "called adult" for one face
  const minorsCalledAdult = minors.filter(Boolean).length;
  const adultsCalledMinor = adults.filter((a) => !a).length;
  return {
    minorsCalledAdult,
    minorRate: minors.length ? minorsCalledAdult / minors.length : Number.NaN,
    adultsCalledMinor,
    adultRate: adults.length ? adultsCalledMinor / adults.length : Number.NaN,
  };
}

export function thresholdMetrics(predictions: ThresholdPrediction[], years = DEFAULT_THRESHOLD): ThresholdMetrics {
  const minors: ThresholdPrediction[] = [];
  const adults: ThresholdPrediction[] = [];
  const excludedGroups = new Set<string>();
  let excluded = 0;
  for (const p of predictions) {
    const side = truthSide(p, years);
    if (side === 'minor') minors.push(p);
    else if (side === 'adult') adults.push(p);
    else {
      excluded += 1;
      excludedGroups.add(p.truthGroup!.label);
    }
  }
  const byEstimate = (p: ThresholdPrediction) => p.age >= years;
  const byProbability = (p: ThresholdPrediction) => p.underProbability! < 0.5;
  const withP = (list: ThresholdPrediction[]) => list.filter((p) => p.underProbability !== undefined);
  const metrics: ThresholdMetrics = {
    years,
    minors: minors.length,
    adults: adults.length,
    excluded,
    excludedGroups: [...excludedGroups].sort(),
    byEstimate: errors(minors.map(byEstimate), adults.map(byEstimate)),
  };
  if (withP(predictions).length) metrics.byProbability = errors(withP(minors).map(byProbability), withP(adults).map(byProbability));
  return metrics;
}
