// `howold eval`'s plain-text output: the age metrics, the age-group metrics, the fairness breakdowns and the
// threshold counts, each only when the labels allow it.
import { OPEN_GROUP_WIDTH } from '../core/age-group.js';
import type { EvalResult } from './evaluate.js';
import type { GroupMetrics, GroupSummary } from './groups.js';
import { formatMetrics, type BandMetrics } from './metrics.js';
import type { ThresholdErrors, ThresholdMetrics } from './threshold.js';

export const num = (x: number, d = 2) => (Number.isNaN(x) ? '-' : x.toFixed(d));
export function signed(x: number, d = 1): string {
  if (Number.isNaN(x)) return '-';
  const text = x.toFixed(d);
  if (/^-?0\.?0*$/.test(text)) return text.replace('-', '');
  return x > 0 ? `+${text}` : text;
}
export const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** MAE and signed error by a key (gender, race), as a text table. */
export function formatBreakdown(title: string, parts: Record<string, BandMetrics>): string {
  return table([title, 'n', 'MAE', 'signed error'], Object.entries(parts).map(([k, b]) => [k, b.n, num(b.mae), signed(b.meanSignedError, 2)]));
}

function groupRow(key: string, s: GroupSummary): (string | number)[] {
  return [key, s.n, pct(s.accuracy), pct(s.withinOne), num(s.meanYearsOutside), signed(s.meanSignedError)];
}

/** What the middle of an open group is, in words, for the notes under the tables. */
export function openGroupNote(g: GroupMetrics): string | undefined {
  const open = g.groups.find((label) => label.endsWith('+'));
  if (!open) return undefined;
  const low = Number.parseInt(open, 10);
  return `${open}: middle ${num(g.byGroup[open]!.middle, 1)}, the open group counted as ages ${low} to ${low + OPEN_GROUP_WIDTH}`;
}

export function formatGroupMetrics(g: GroupMetrics): string {
  const lines = [
    `age groups, ${g.n} faces found: group accuracy ${pct(g.accuracy)}   within one group ${pct(g.withinOne)}   ` +
      `mean years outside the group ${num(g.meanYearsOutside)}` +
      (g.genderAccuracy === undefined ? '' : `   gender accuracy ${pct(g.genderAccuracy)}`),
    '',
    table(
      ['group', 'n', 'in group', 'within one', 'years outside', 'middle', 'signed error'],
      g.groups.map((label) => {
        const s = g.byGroup[label]!;
        const row = groupRow(label, s);
        return [...row.slice(0, 5), num(s.middle, 1), row[5]!];
      }),
    ),
  ];
  const note = openGroupNote(g);
  if (note) lines.push(`(signed error against the group's middle; ${note})`);
  for (const [title, parts] of [['gender', g.byGender], ['race', g.byRace]] as const) {
    if (!parts) continue;
    lines.push('', table([title, 'n', 'in group', 'within one', 'years outside', 'signed error'], Object.entries(parts).map(([k, s]) => groupRow(k, s))));
  }
  return lines.join('\n');
}

function thresholdLine(rule: string, e: ThresholdErrors, t: ThresholdMetrics): string {
  return (
    `  ${rule}: ${e.minorsCalledAdult} of ${t.minors} minors called adult (${pct(e.minorRate)}), ` +
    `${e.adultsCalledMinor} of ${t.adults} adults called minors (${pct(e.adultRate)})`
  );
}

export function formatThreshold(t: ThresholdMetrics): string {
  const left = t.excluded ? `; ${t.excluded} faces in ${t.excludedGroups.join(', ')} left out: the group spans ${t.years}` : '';
  const lines = [`under ${t.years}: ${t.minors} minors, ${t.adults} adults${left}`];
  if (t.byProbability) lines.push(thresholdLine(`by P(under ${t.years}) < 0.5`, t.byProbability, t));
  lines.push(thresholdLine(`by the estimate >= ${t.years}`, t.byEstimate, t));
  return lines.join('\n');
}

/** Everything `howold eval` prints after its first line. */
export function formatEval(result: EvalResult): string {
  const parts: string[] = [];
  const scored = result.groups ? 'not scored for the age groups' : 'estimated on the whole image';
  parts.push(`images ${result.images}   no face found ${result.misses} (${pct(result.noFaceShare)}): ${scored}`);
  const m = result.metrics;
  if (m.n > 0) {
    parts.push(formatMetrics(m, result.misses));
    if (m.byGender) parts.push(formatBreakdown('gender', m.byGender));
    if (m.byRace) parts.push(formatBreakdown('race', m.byRace));
  }
  if (result.groups) parts.push(formatGroupMetrics(result.groups));
  if (result.threshold.minors + result.threshold.adults > 0) parts.push(formatThreshold(result.threshold));
  return parts.join('\n\n');
}
