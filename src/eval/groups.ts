// Metrics for labels that give age groups, not ages (FairFace): group accuracy, within one group, years outside
// the group and the signed error against the group's middle, per group and by gender and race. The conventions
// (whole-year groups, the open group's middle) are in core/age-group.ts.
import { groupMiddle, inGroup, yearsOutside, type AgeGroup } from '../core/age-group.js';
import { HowoldError } from '../core/errors.js';
import type { Gender } from '../core/types.js';

export interface GroupPrediction {
  truthGroup: AgeGroup;
  age: number;
  gender?: Gender;
  truthGender?: Gender;
  race?: string;
}

export interface GroupSummary {
  n: number;
  /** Share of estimates inside the true group. */
  accuracy: number;
  /** Share inside the true group or one of its neighbours in the labels' set of groups. */
  withinOne: number;
  /** Mean distance from the estimate to the true group, years (0 inside). */
  meanYearsOutside: number;
  /** Mean of (estimate − the group's middle): positive means the model guesses too old. */
  meanSignedError: number;
}

export interface GroupStats extends GroupSummary {
  middle: number;
}

export interface GroupMetrics extends GroupSummary {
  /** The groups the labels use, youngest first (the scale "within one group" steps along). */
  groups: string[];
  byGroup: Record<string, GroupStats>;
  byGender?: Record<string, GroupSummary>;
  byRace?: Record<string, GroupSummary>;
  genderAccuracy?: number;
}

/** The distinct groups, youngest first; overlapping groups (10-19 and 15-24) make "one group off" meaningless. */
export function groupScheme(groups: AgeGroup[]): AgeGroup[] {
  const byLabel = new Map(groups.map((g) => [g.label, g]));
  const sorted = [...byLabel.values()].sort((a, b) => a.low - b.low);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a.high === undefined || a.high >= b.low) {
      throw new HowoldError('overlapping_age_groups', `the age groups ${a.label} and ${b.label} overlap`);
    }
  }
  return sorted;
}

function summary(items: GroupPrediction[], neighbours: Map<string, AgeGroup[]>): GroupSummary {
  const n = items.length;
  if (n === 0) return { n: 0, accuracy: Number.NaN, withinOne: Number.NaN, meanYearsOutside: Number.NaN, meanSignedError: Number.NaN };
  let inside = 0;
  let near = 0;
  let outside = 0;
  let signed = 0;
  for (const p of items) {
    const hit = inGroup(p.age, p.truthGroup);
    inside += hit ? 1 : 0;
    near += hit || neighbours.get(p.truthGroup.label)!.some((g) => inGroup(p.age, g)) ? 1 : 0;
    outside += yearsOutside(p.age, p.truthGroup);
    signed += p.age - groupMiddle(p.truthGroup);
  }
  return { n, accuracy: inside / n, withinOne: near / n, meanYearsOutside: outside / n, meanSignedError: signed / n };
}

function breakdown(items: GroupPrediction[], key: (p: GroupPrediction) => string | undefined, neighbours: Map<string, AgeGroup[]>) {
  const parts = new Map<string, GroupPrediction[]>();
  for (const p of items) {
    const k = key(p);
    if (k === undefined) continue;
    const list = parts.get(k) ?? [];
    list.push(p);
    parts.set(k, list);
  }
  if (parts.size === 0) return undefined;
  const keys = [...parts.keys()].sort();
  return Object.fromEntries(keys.map((k) => [k, summary(parts.get(k)!, neighbours)]));
}

export function groupMetrics(predictions: GroupPrediction[]): GroupMetrics {
  const scheme = groupScheme(predictions.map((p) => p.truthGroup));
  const neighbours = new Map(scheme.map((g, i) => [g.label, [scheme[i - 1], scheme[i + 1]].filter((x): x is AgeGroup => x !== undefined)]));
  const byGroup: Record<string, GroupStats> = {};
  for (const g of scheme) {
    byGroup[g.label] = { ...summary(predictions.filter((p) => p.truthGroup.label === g.label), neighbours), middle: groupMiddle(g) };
  }
  const metrics: GroupMetrics = { ...summary(predictions, neighbours), groups: scheme.map((g) => g.label), byGroup };
  const byGender = breakdown(predictions, (p) => p.truthGender, neighbours);
  if (byGender) metrics.byGender = byGender;
  const byRace = breakdown(predictions, (p) => p.race, neighbours);
  if (byRace) metrics.byRace = byRace;
  const judged = predictions.filter((p) => p.truthGender && p.gender);
  if (judged.length) metrics.genderAccuracy = judged.filter((p) => p.gender === p.truthGender).length / judged.length;
  return metrics;
}
