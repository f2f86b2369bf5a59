// The fairness card as Markdown, to paste into a model card: the same figures as `howold eval` prints, as tables.
import type { EvalResult } from './evaluate.js';
import { num, openGroupNote, pct, signed } from './format.js';
import type { GroupSummary } from './groups.js';
import type { BandMetrics } from './metrics.js';
import type { ThresholdErrors } from './threshold.js';

export interface MarkdownOptions {
  /** Heading of the card, e.g. 'FairFace sample'. */
  title?: string;
  /** The command that gives these figures, shown under the heading. */
  command?: string;
  /** Heading level (default 3: '###'). */
  level?: number;
}

function mdTable(head: string[], rows: (string | number)[][]): string {
  const align = head.map((_, i) => (i === 0 ? '---' : '---:'));
  return [head, align, ...rows.map((r) => r.map(String))].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function ageRows(parts: Record<string, BandMetrics>): (string | number)[][] {
  return Object.entries(parts).map(([k, b]) => [k, b.n, num(b.mae), signed(b.meanSignedError, 2)]);
}

function groupRows(parts: Record<string, GroupSummary>): (string | number)[][] {
  return Object.entries(parts).map(([k, s]) => [k, s.n, pct(s.accuracy), pct(s.withinOne), num(s.meanYearsOutside), signed(s.meanSignedError)]);
}

const count = (k: number, n: number, rate: number) => `${k} of ${n} (${pct(rate)})`;

export function evalMarkdown(result: EvalResult, options: MarkdownOptions = {}): string {
  const h = '#'.repeat(options.level ?? 3);
  const out: string[] = [];
  if (options.title) out.push(`${h} ${options.title}`, '');
  if (options.command) out.push(`\`${options.command}\``, '');
  const scored = result.groups ? 'not scored for the age groups' : 'estimated on the whole image';
  out.push(`${result.images} images; no face found in ${result.misses} (${pct(result.noFaceShare)}), ${scored}.`, '');

  const m = result.metrics;
  if (m.n > 0) {
    const head = ['faces', 'MAE', 'RMSE', 'CS@5', 'CS@10', '80% interval coverage'];
    const row: (string | number)[] = [m.n, num(m.mae), num(m.rmse), pct(m.cs5), pct(m.cs10), pct(m.intervalCoverage)];
    if (m.genderAccuracy !== undefined) {
      head.push('gender accuracy');
      row.push(pct(m.genderAccuracy));
    }
    out.push(mdTable(head, [row]), '');
    out.push(mdTable(['decade', 'n', 'MAE', 'signed error'], ageRows(m.byBand)), '');
    if (m.byGender) out.push(mdTable(['gender', 'n', 'MAE', 'signed error'], ageRows(m.byGender)), '');
    if (m.byRace) out.push(mdTable(['race', 'n', 'MAE', 'signed error'], ageRows(m.byRace)), '');
    out.push('Signed error: mean of (estimate − true age); positive means the model guesses too old.', '');
  }

  const g = result.groups;
  if (g) {
    const head = ['faces found', 'group accuracy', 'within one group', 'mean years outside'];
    const row: (string | number)[] = [g.n, pct(g.accuracy), pct(g.withinOne), num(g.meanYearsOutside)];
    if (g.genderAccuracy !== undefined) {
      head.push('gender accuracy');
      row.push(pct(g.genderAccuracy));
    }
    out.push(mdTable(head, [row]), '');
    const byGroup = g.groups.map((label) => {
      const s = g.byGroup[label]!;
      return [label, s.n, pct(s.accuracy), pct(s.withinOne), num(s.meanYearsOutside), num(s.middle, 1), signed(s.meanSignedError)];
    });
    out.push(mdTable(['age group', 'n', 'in group', 'within one', 'years outside', 'middle', 'signed error'], byGroup), '');
    for (const [title, parts] of [['gender', g.byGender], ['race', g.byRace]] as const) {
      if (parts) out.push(mdTable([title, 'n', 'in group', 'within one', 'years outside', 'signed error'], groupRows(parts)), '');
    }
    const note = openGroupNote(g);
    out.push(
      "A group of whole years spans from its first age up to the next group's (10-19: ages 10 to 20, an estimate of 19.6 is in it); " +
        `signed error: mean of (estimate − the group's middle)${note ? `; ${note}` : ''}.`,
      '',
    );
  }

  const t = result.threshold;
  if (t.minors + t.adults > 0) {
    const rule = (name: string, e: ThresholdErrors) => [name, count(e.minorsCalledAdult, t.minors, e.minorRate), count(e.adultsCalledMinor, t.adults, e.adultRate)];
    const rows = [...(t.byProbability ? [rule(`P(under ${t.years}) < 0.5`, t.byProbability)] : []), rule(`estimate >= ${t.years}`, t.byEstimate)];
    out.push(mdTable([`called adult when (T = ${t.years})`, 'minors called adult', 'adults called minors'], rows), '');
    if (t.excluded) out.push(`${t.excluded} faces in ${t.excludedGroups.join(', ')} are left out: the group spans ${t.years}.`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
