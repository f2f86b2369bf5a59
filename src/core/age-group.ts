// Age groups as datasets in the wild label them ('0-2', '3-9', ..., '60-69', '70+'; FairFace, Adience-style
// manifests). A group of whole years holds everyone from its first birthday to the next group's: 10-19 spans
// ages [10, 20), its middle is 15, and an estimate of 19.6 is inside it. An open group ('70+') is given the width
// of a decade for its middle: 70+ counts as [70, 80), middle 75. These are the conventions of the baseline in
// issue 8 (it reproduces 44.3% / 89.8% / 3.52 years from the same predictions); reading estimates as whole years
// instead (10-19 as [9.5, 19.5), middle 14.5) moves every signed error by +0.5 and group accuracy by a few points.

export interface AgeGroup {
  /** As written in the labels, normalised: '10-19', '70+'. */
  label: string;
  /** Youngest whole-year age in the group. */
  low: number;
  /** Oldest whole-year age in the group; undefined for an open group ('70+'). */
  high?: number;
}

/** Width in years given to an open group ('70+') for its middle. */
export const OPEN_GROUP_WIDTH = 10;
const MAX_AGE = 120;

/**
 * Parses '10-19', '10–19', '70+', 'more than 70' (FairFace's own spelling) into a group; undefined when the
 * text is not a group of whole years within 0..120.
 */
export function parseAgeGroup(text: string): AgeGroup | undefined {
  const t = text.trim().toLowerCase();
  const range = /^(\d{1,3})\s*[-–]\s*(\d{1,3})$/.exec(t);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (high < low || high > MAX_AGE) return undefined;
    return { label: `${low}-${high}`, low, high };
  }
  const open = /^(?:(\d{1,3})\s*\+|more than\s+(\d{1,3}))$/.exec(t);
  if (open) {
    const low = Number(open[1] ?? open[2]);
    if (low > MAX_AGE) return undefined;
    return { label: `${low}+`, low };
  }
  return undefined;
}

/** The ages the group spans, [from, to): 10-19 → [10, 20), 70+ → [70, Infinity). */
export function groupSpan(group: AgeGroup): [number, number] {
  return [group.low, group.high === undefined ? Infinity : group.high + 1];
}

/** The age the group's signed error is measured against: the middle of its span, an open group's as a decade. */
export function groupMiddle(group: AgeGroup): number {
  return group.low + (group.high === undefined ? OPEN_GROUP_WIDTH : group.high + 1 - group.low) / 2;
}

export function inGroup(age: number, group: AgeGroup): boolean {
  const [from, to] = groupSpan(group);
  return age >= from && age < to;
}

/** How far an estimate lies outside the group's span, in years (0 inside). */
export function yearsOutside(age: number, group: AgeGroup): number {
  const [from, to] = groupSpan(group);
  return age < from ? from - age : age >= to ? age - to : 0;
}
