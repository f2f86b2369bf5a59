// Label audit: the images whose label the model most confidently disagrees with, for people to check by eye.
//
// Score = -log10 P(|age - label| <= tolerance) under the predicted distribution: 2 means the model gives the
// label (give or take `tolerance` years) a 1% chance, 4 a 0.01% chance. Capped at MAX_SCORE, since a softmax's
// far tail says nothing finer than "never"; ties are broken by the distance from the label.
import { writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DetectorMode } from '../detect/index.js';
import type { EvalPrediction } from '../eval/evaluate.js';
import { ageCdf } from '../eval/metrics.js';
import type { AgeEstimator } from '../infer/estimator.js';
import { labelledCrops } from './evaluation.js';
import { errorColor, tileGallery, type Tile } from './gallery.js';
import { writePage, type Page } from './html.js';
import { writeRendered } from './render.js';
import { csvField } from '../core/csv.js';

export const MAX_SCORE = 6;
export const DEFAULT_TOLERANCE = 2;

export interface AuditRow {
  path: string;
  label: number;
  predicted: number;
  low?: number;
  high?: number;
  /** Probability the model gives to ages within `tolerance` years of the label. */
  pLabel: number;
  score: number;
  detected: boolean;
}

/**
 * Probability mass of the predicted distribution within ±tolerance years of `label` (classes k spread over k±0.5).
 * A label past the model's oldest class (UTKFace has ages to 116; the model's classes stop at 100) is taken as
 * that class: the model cannot say 115, only "100 or so".
 */
export function labelProbability(distribution: ArrayLike<number>, label: number, tolerance = DEFAULT_TOLERANCE): number {
  const l = Math.min(Math.max(label, 0), distribution.length - 1);
  return Math.max(0, ageCdf(distribution, l + tolerance + 0.5) - ageCdf(distribution, l - tolerance - 0.5));
}

/**
 * How strongly the model disagrees with one label. Without a distribution, a normal approximation from the
 * 10-90% interval (width = 2.563 sd), or failing that the plain distance in years.
 */
export function auditScore(p: Pick<EvalPrediction, 'truth' | 'age' | 'low' | 'high' | 'distribution'>, tolerance = DEFAULT_TOLERANCE): { pLabel: number; score: number } {
  let pLabel: number;
  if (p.distribution && p.distribution.length) {
    pLabel = labelProbability(p.distribution, p.truth, tolerance);
  } else if (p.low !== undefined && p.high !== undefined && p.high > p.low) {
    const sd = (p.high - p.low) / 2.563;
    const cdf = (x: number) => 0.5 * (1 + erf((x - p.age) / (sd * Math.SQRT2)));
    pLabel = cdf(p.truth + tolerance + 0.5) - cdf(p.truth - tolerance - 0.5);
  } else {
    pLabel = Math.abs(p.age - p.truth) <= tolerance ? 1 : 0;
  }
  const score = Math.min(MAX_SCORE, -Math.log10(Math.max(pLabel, 10 ** -MAX_SCORE)));
  return { pLabel, score: Math.max(0, score) };
}

// Abramowitz and Stegun 7.1.26 (error below 1.5e-7): enough for ranking.
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** All predictions ranked, the most confident disagreement first. */
export function rankAudit(predictions: EvalPrediction[], tolerance = DEFAULT_TOLERANCE): AuditRow[] {
  const rows = predictions.map((p): AuditRow => {
    const { pLabel, score } = auditScore(p, tolerance);
    const row: AuditRow = { path: p.path, label: p.truth, predicted: p.age, pLabel, score, detected: p.detected };
    if (p.low !== undefined) row.low = p.low;
    if (p.high !== undefined) row.high = p.high;
    return row;
  });
  return rows.sort(
    (a, b) => b.score - a.score || Math.abs(b.predicted - b.label) - Math.abs(a.predicted - a.label) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

const interval = (r: AuditRow) => (r.low === undefined || r.high === undefined ? '' : `${Math.round(r.low)}-${Math.round(r.high)}`);
const probability = (p: number) => (p < 10 ** -MAX_SCORE ? `<1e-${MAX_SCORE}` : p.toExponential(1));


export function auditCsv(rows: AuditRow[]): string {
  const head = 'rank,path,label,predicted,interval,score,p_label,face_found';
  const lines = rows.map((r, i) =>
    [i + 1, r.path, r.label, r.predicted.toFixed(1), interval(r), r.score.toFixed(2), r.pLabel === 0 ? '0' : r.pLabel.toPrecision(3), r.detected ? 'yes' : 'no'].map(csvField).join(','),
  );
  return `${[head, ...lines].join('\n')}\n`;
}

/** The top rows as a fixed-width table, as `howold audit` prints it. */
export function formatAudit(rows: AuditRow[], top: number): string {
  const shown = rows.slice(0, top);
  const width = Math.min(60, Math.max(4, ...shown.map((r) => basename(r.path).length)));
  const lines = [`${'rank'.padStart(4)}  ${'file'.padEnd(width)}  label  predicted  interval  score  P(label±2)`];
  shown.forEach((r, i) => {
    lines.push(
      `${String(i + 1).padStart(4)}  ${basename(r.path).slice(0, width).padEnd(width)}  ${String(r.label).padStart(5)}  ${r.predicted.toFixed(1).padStart(9)}  ` +
        `${interval(r).padStart(8)}  ${r.score.toFixed(2).padStart(5)}  ${probability(r.pLabel).padStart(10)}${r.detected ? '' : '  (no face found)'}`,
    );
  });
  return lines.join('\n');
}

export interface AuditReportOptions {
  outDir: string;
  estimator: AgeEstimator;
  detectorMode: DetectorMode;
  /** Faces in the gallery (default 24). */
  top?: number;
  source: string;
  tile?: number;
  tolerance?: number;
  /** Told of each photo left out of the gallery. */
  onSkip?: (message: string) => void;
}

/** OUTDIR/audit.csv (every image, ranked), gallery.jpg (the top faces) and index.html. */
export async function writeAuditReport(rows: AuditRow[], options: AuditReportOptions): Promise<string> {
  const { outDir } = options;
  const top = options.top ?? 24;
  const tile = options.tile ?? 112;
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'audit.csv'), auditCsv(rows));
  const shown = rows.slice(0, top);
  const crops = await labelledCrops(shown.map((r) => ({ path: r.path, truth: r.label })), options.estimator, options.detectorMode, tile, options.onSkip);
  const tiles: Tile[] = [];
  shown.forEach((r, i) => {
    const image = crops[i];
    const second = r.detected ? `interval ${interval(r)}` : `${interval(r)} (no face)`;
    if (image) tiles.push({ image, lines: [`#${i + 1} L=${r.label} P=${Math.round(r.predicted)}`, second], color: errorColor(r.predicted - r.label) });
  });
  const blocks: Page['sections'][number]['blocks'] = [];
  if (tiles.length) {
    const g = await tileGallery(tiles, { columns: 6, tile, title: `The ${tiles.length} labels the model disputes most` });
    blocks.push({
      kind: 'figure',
      image: await writeRendered(outDir, 'gallery', g),
      caption: 'L = the dataset\'s label, P = predicted age, with the 10-90% predicted interval; ranked by how unlikely the model finds the label.',
    });
  }
  blocks.push({
    kind: 'table',
    head: ['rank', 'file', 'label', 'predicted', 'interval', 'score', `P(label ±${options.tolerance ?? DEFAULT_TOLERANCE})`, 'face found'],
    rows: shown.map((r, i) => [i + 1, basename(r.path), r.label, r.predicted.toFixed(1), interval(r), r.score.toFixed(2), probability(r.pLabel), r.detected ? 'yes' : 'no']),
  });
  blocks.push({ kind: 'link', href: 'audit.csv', text: `All ${rows.length} images, ranked (audit.csv)` });
  return writePage(outDir, {
    title: 'howold label audit',
    meta: [`data: ${options.source}`, `model: ${options.estimator.meta.name}`, `written ${new Date().toISOString()}`],
    notice: 'The faces shown come from the dataset: research use only; do not publish or commit this folder.',
    sections: [
      {
        id: 'audit',
        title: 'Labels the model disagrees with',
        intro:
          `Score = -log10 of the probability the predicted age distribution gives to the labelled age ±${options.tolerance ?? DEFAULT_TOLERANCE} years ` +
          `(capped at ${MAX_SCORE}); 2 means a 1% chance. High scores are worth a look: a wrong label, a photo of someone else, ` +
          'an image without a face (face found: no; the whole image was used), or a face the model gets badly wrong. Images the ' +
          'model was trained on are judged too, but it may have learnt their labels.',
        blocks,
      },
    ],
  });
}
