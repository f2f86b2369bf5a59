// The report's figures as SVG: learning progress (monitor faces, loss/MAE curves), predicted vs actual age,
// error by age band and gender, error histogram and calibration.
import type { BandMetrics, CalibrationPoint } from '../eval/metrics.js';
import { AGE_BANDS } from '../eval/metrics.js';
import type { MonitorLine } from '../train/callbacks/index.js';
import type { EpochLogs, StepLogs } from '../train/types.js';
import { COLORS, Panel, figure, niceDomain, niceTicks, num, viridis, type Figure, type LegendItem } from './svg.js';

export interface PredictionPoint {
  truth: number;
  age: number;
  low?: number;
  high?: number;
}

const AGE_MAX = 100;
const fmt1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const fmt2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

function extent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  return finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1];
}

/** Mean absolute error of one monitor line. */
export function monitorMae(line: MonitorLine): number {
  return mean(line.ages.map((a, i) => Math.abs(a - (line.truth[i] ?? Number.NaN))).filter(Number.isFinite));
}

/**
 * Tutorial Figure 3: the monitor faces' predicted ages at each checkpoint, one faint line per face coloured by its
 * true age, the true ages as dots in a column to the right, epoch ends as dotted lines.
 */
export function monitorChart(lines: MonitorLine[], options: { epochEnds?: number[]; width?: number; height?: number } = {}): Figure {
  const width = options.width ?? 760;
  const height = options.height ?? 440;
  const sorted = [...lines].sort((a, b) => a.step - b.step);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const truth = first?.truth ?? [];
  const lo = first ? first.step : 0;
  const hi = last ? last.step : 1;
  const span = Math.max(1, hi - lo);
  const truthX = hi + span * 0.06;
  const agesAll = sorted.flatMap((l) => l.ages).concat(truth);
  const [, yMax] = extent(agesAll);
  const yDomain: [number, number] = [0, Math.max(AGE_MAX, Math.ceil(yMax / 10) * 10)];
  const maes = sorted.map(monitorMae);
  const title = first
    ? `Monitor faces (${truth.length}): predicted age at ${sorted.length} checkpoint${sorted.length === 1 ? '' : 's'}` +
      (sorted.length > 1 ? `, MAE ${fmt1(maes[0]!)} \u2192 ${fmt1(maes[maes.length - 1]!)} years` : `, MAE ${fmt1(maes[0]!)} years`)
    : 'Monitor faces: no checkpoints recorded yet';
  const xTicks = niceTicks(lo, hi, Math.round((width - 80) / 90)).filter((t) => t >= lo && t <= hi);
  const panel = new Panel({
    width,
    height,
    title,
    x: { label: 'training step (dotted: epoch ends; right column: true ages)', domain: [lo - span * 0.02, truthX + span * 0.03], ticks: xTicks },
    y: { label: 'predicted age (years)', domain: yDomain },
  });
  for (const step of options.epochEnds ?? []) {
    if (step >= lo && step <= hi) panel.raw(`<path d="M${num(panel.x(step))} ${panel.top}V${panel.top + panel.innerHeight}" stroke="#bbb" stroke-dasharray="2 3"/>`);
  }
  const scale = (age: number) => age / yDomain[1];
  truth.forEach((t, i) => {
    const pts = sorted.map((l) => [l.step, l.ages[i]!] as [number, number]);
    if (pts.length > 1) panel.line(pts, { stroke: viridis(scale(t)), width: 1.2, opacity: 0.35 });
    else panel.points(pts, 2.5, { fill: viridis(scale(t)), opacity: 0.6 });
  });
  if (last) {
    // Where each face ended up, joined to its true age: long joins are the faces still wrong.
    const d = truth.map((t, i) => `M${num(panel.x(hi))} ${num(panel.y(last.ages[i]!))}L${num(panel.x(truthX))} ${num(panel.y(t))}`).join('');
    panel.raw(`<path d="${d}" stroke="#999" stroke-width="0.6" opacity="0.35"/>`);
    panel.raw(truth.map((t) => `<circle cx="${num(panel.x(truthX))}" cy="${num(panel.y(t))}" r="3" fill="${viridis(scale(t))}" stroke="#222" stroke-width="0.5"/>`).join(''));
  }
  return figure([panel]);
}

/** Step logs averaged into at most `bins` points along fractional epochs. */
function binnedSteps(steps: StepLogs[], key: 'loss' | 'mae', bins: number): Array<[number, number]> {
  if (steps.length === 0) return [];
  // Batches per epoch from the longest epoch seen, so an epoch still in progress is not stretched to full width.
  const perEpoch = steps.reduce((m, s) => Math.max(m, s.batch), 1);
  const xs = steps.map((s) => s.epoch + s.batch / perEpoch);
  const per = Math.max(1, Math.ceil(steps.length / bins));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < steps.length; i += per) {
    const chunk = steps.slice(i, i + per);
    out.push([mean(xs.slice(i, i + per)), mean(chunk.map((s) => s[key]))]);
  }
  return out;
}

/** Loss and MAE per epoch, train and validation, over the per-step training values (faint). */
export function curvesChart(epochs: EpochLogs[], steps: StepLogs[] = [], options: { width?: number; height?: number } = {}): Figure {
  const width = options.width ?? 440;
  const height = options.height ?? 340;
  const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch);
  const xMax = Math.max(1, sorted.length ? sorted[sorted.length - 1]!.epoch + 1 : 1, ...steps.map((s) => s.epoch + 1));
  const xTicks = niceTicks(0, xMax, Math.min(xMax, 8)).filter((t) => Number.isInteger(t));
  const panels = (['loss', 'mae'] as const).map((key) => {
    const valKey = key === 'loss' ? 'val_loss' : 'val_mae';
    const train = sorted.map((e) => [e.epoch + 1, e[key]] as [number, number]);
    const val = sorted.filter((e) => e[valKey] !== undefined).map((e) => [e.epoch + 1, e[valKey]!] as [number, number]);
    const stepPts = binnedSteps(steps, key, 200);
    const values = [...train, ...val].map((p) => p[1]);
    // The first steps' loss is often far above the rest: scale to the epoch values (and the steps' 2nd-98th percentile).
    const stepVals = stepPts.map((p) => p[1]).sort((a, b) => a - b);
    if (stepVals.length) values.push(stepVals[Math.floor(stepVals.length * 0.02)]!, stepVals[Math.floor(stepVals.length * 0.98)]!);
    const [lo, hi] = extent(values);
    // Fitted to the values (a fine-tuning run moves within a narrow band), with room above them for the legend.
    const span = hi - lo || Math.abs(hi) * 0.1 || 1;
    const domain = niceDomain(Math.max(0, lo - span * 0.05), hi + span * 0.5);
    const legend: LegendItem[] = [
      { label: 'train (epoch mean)', color: COLORS.train, kind: 'line' },
      { label: 'validation', color: COLORS.val, kind: 'line' },
    ];
    if (stepPts.length) legend.push({ label: 'train (per step)', color: COLORS.train, kind: 'line', opacity: 0.3 });
    const best = val.length ? val.reduce((a, b) => (b[1] < a[1] ? b : a)) : undefined;
    const title = key === 'loss' ? 'Loss' : `MAE (years)${best ? `: best val ${fmt2(best[1])} at epoch ${best[0]}` : ''}`;
    const panel = new Panel({
      width,
      height,
      title,
      x: { label: 'epoch', domain: [0, xMax], ticks: xTicks },
      y: { label: key === 'loss' ? 'loss' : 'mean absolute error (years)', domain },
      legend,
      legendPosition: 'top-right',
    });
    panel.line(stepPts, { stroke: COLORS.train, width: 1, opacity: 0.3 });
    panel.line(train, { stroke: COLORS.train, width: 2 });
    panel.points(train, 3, { fill: COLORS.train });
    panel.line(val, { stroke: COLORS.val, width: 2 });
    panel.points(val, 3, { fill: COLORS.val });
    if (best && key === 'mae') panel.points([best], 6, { fill: 'none', stroke: COLORS.val, width: 2 });
    return panel;
  });
  return figure(panels);
}

function summary(predictions: PredictionPoint[]): string {
  const mae = mean(predictions.map((p) => Math.abs(p.age - p.truth)));
  return `n=${predictions.length}, MAE ${fmt2(mae)} years`;
}

/** The tutorial's line plot: faces sorted by true age, the true age as a line and the predictions as points. */
export function sortedChart(predictions: PredictionPoint[], options: { width?: number; height?: number } = {}): Figure {
  const width = options.width ?? 760;
  const height = options.height ?? 400;
  const sorted = [...predictions].sort((a, b) => a.truth - b.truth || a.age - b.age);
  const n = sorted.length;
  const withIntervals = sorted.some((p) => p.low !== undefined && p.high !== undefined);
  const legend: LegendItem[] = [
    { label: 'true age', color: COLORS.truth, kind: 'line' },
    { label: 'predicted age', color: COLORS.predicted, kind: 'point' },
  ];
  if (withIntervals) legend.push({ label: 'predicted 10-90% interval', color: COLORS.interval, kind: 'line' });
  const panel = new Panel({
    width,
    height,
    title: `Predicted vs actual age, faces sorted by true age (${summary(predictions)})`,
    x: { label: 'face (sorted by true age)', domain: [0, Math.max(1, n - 1)] },
    y: { label: 'age (years)', domain: [0, AGE_MAX] },
    legend,
  });
  if (withIntervals) panel.segments(sorted.map((p, i) => [i, p.low ?? Number.NaN, p.high ?? Number.NaN]), { stroke: COLORS.interval, width: 1, opacity: 0.8 });
  panel.points(sorted.map((p, i) => [i, p.age]), n > 300 ? 1.8 : 2.5, { fill: COLORS.predicted, opacity: 0.75 });
  panel.line(sorted.map((p, i) => [i, p.truth]), { stroke: COLORS.truth, width: 2 });
  return figure([panel]);
}

/** Tutorial Figure 4: predicted against true age, with the diagonal and the ±5-year band (CS@5). */
export function scatterChart(predictions: PredictionPoint[], options: { size?: number } = {}): Figure {
  const size = options.size ?? 480;
  const within5 = predictions.filter((p) => Math.abs(p.age - p.truth) <= 5).length / Math.max(1, predictions.length);
  const panel = new Panel({
    width: size,
    height: size,
    title: `Predicted vs actual (${summary(predictions)})`,
    x: { label: 'actual age (years)', domain: [0, AGE_MAX] },
    y: { label: 'predicted age (years)', domain: [0, AGE_MAX] },
    legend: [
      { label: 'face', color: COLORS.predicted, kind: 'point', opacity: 0.5 },
      { label: 'predicted = actual', color: COLORS.truth, kind: 'line' },
      { label: `within 5 years: ${(within5 * 100).toFixed(0)}%`, color: '#ccc', kind: 'bar' },
    ],
  });
  panel.raw(
    `<path d="M${num(panel.x(0))} ${num(panel.y(5))}L${num(panel.x(AGE_MAX - 5))} ${num(panel.y(AGE_MAX))}L${num(panel.x(AGE_MAX))} ${num(panel.y(AGE_MAX))}` +
      `L${num(panel.x(AGE_MAX))} ${num(panel.y(AGE_MAX - 5))}L${num(panel.x(5))} ${num(panel.y(0))}L${num(panel.x(0))} ${num(panel.y(0))}Z" fill="#ddd" opacity="0.6"/>`,
  );
  panel.line([[0, 0], [AGE_MAX, AGE_MAX]], { stroke: COLORS.truth, width: 1.5 });
  panel.points(predictions.map((p) => [p.truth, p.age]), predictions.length > 300 ? 2.2 : 3, { fill: COLORS.predicted, opacity: 0.45 });
  return figure([panel]);
}

/** Bars of MAE per group with n and the mean signed error written over each bar. */
function barsPanel(groups: Array<{ label: string; m: BandMetrics; color: string }>, title: string, xLabel: string, width: number, height: number): Panel {
  const maxMae = Math.max(1, ...groups.map((g) => (Number.isFinite(g.m.mae) ? g.m.mae : 0)));
  const n = groups.length;
  const panel = new Panel({
    width,
    height,
    title,
    x: { label: xLabel, domain: [-0.5, n - 0.5], ticks: groups.map((_, i) => i), format: (v) => groups[Math.round(v)]?.label ?? '', grid: false },
    y: { label: 'mean absolute error (years)', domain: niceDomain(0, maxMae * 1.18) },
  });
  groups.forEach((g, i) => {
    if (!Number.isFinite(g.m.mae) || g.m.n === 0) {
      panel.text(i, 0, 'n=0', { dy: -6, color: COLORS.muted });
      return;
    }
    panel.rect(i - 0.35, 0, i + 0.35, g.m.mae, { fill: g.color });
    panel.text(i, g.m.mae, fmt1(g.m.mae), { dy: -18, bold: true });
    const signed = g.m.meanSignedError;
    panel.text(i, g.m.mae, `n=${g.m.n}, ${signed >= 0 ? '+' : ''}${fmt1(signed)}`, { dy: -5, size: 9, color: COLORS.muted });
  });
  return panel;
}

/** MAE per age band (of the true age); under each value: n and the mean signed error (+: guessed too old). */
export function bandChart(byBand: Record<string, BandMetrics>, options: { width?: number; height?: number } = {}): Figure {
  const bands = AGE_BANDS.filter((b) => byBand[b]);
  const groups = bands.map((b) => ({ label: b, m: byBand[b]!, color: COLORS.predicted }));
  return figure([barsPanel(groups, 'MAE by true age band (n, mean signed error)', 'true age band (years)', options.width ?? 560, options.height ?? 340)]);
}

export function genderChart(byGender: Record<string, BandMetrics>, options: { width?: number; height?: number } = {}): Figure {
  const groups = Object.entries(byGender).map(([label, m]) => ({ label, m, color: label === 'female' ? COLORS.female : COLORS.male }));
  return figure([barsPanel(groups, 'MAE by gender', 'gender (dataset label)', options.width ?? 300, options.height ?? 340)]);
}

/** Histogram of predicted − actual age, outliers counted in the end bins. */
export function errorHistogram(predictions: PredictionPoint[], options: { width?: number; height?: number } = {}): Figure {
  const width = options.width ?? 560;
  const height = options.height ?? 340;
  const errors = predictions.map((p) => p.age - p.truth).filter(Number.isFinite);
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const p98 = abs.length ? abs[Math.min(abs.length - 1, Math.floor(abs.length * 0.98))]! : 10;
  const limit = Math.min(60, Math.max(10, Math.ceil(p98 / 5) * 5));
  const binWidth = limit > 30 ? 2 : 1;
  const bins = new Array<number>(Math.round((2 * limit) / binWidth)).fill(0);
  let clipped = 0;
  for (const e of errors) {
    if (Math.abs(e) > limit) clipped += 1;
    const i = Math.min(bins.length - 1, Math.max(0, Math.floor((e + limit) / binWidth)));
    bins[i]! += 1;
  }
  const m = mean(errors);
  const mae = mean(abs);
  const panel = new Panel({
    width,
    height,
    title: `Error: predicted \u2212 actual (mean ${m >= 0 ? '+' : ''}${fmt2(m)}, MAE ${fmt2(mae)} years)`,
    x: { label: `error (years; ${clipped} beyond \u00b1${limit} counted in the end bins)`, domain: [-limit, limit] },
    y: { label: 'faces', domain: niceDomain(0, Math.max(1, ...bins) * 1.05) },
    legend: [
      { label: 'faces per bin', color: COLORS.predicted, kind: 'bar', opacity: 0.8 },
      { label: 'mean error', color: COLORS.bad, kind: 'dash' },
    ],
    legendPosition: 'top-right',
  });
  bins.forEach((c, i) => {
    if (c > 0) panel.rect(-limit + i * binWidth + binWidth * 0.05, 0, -limit + (i + 1) * binWidth - binWidth * 0.05, c, { fill: COLORS.predicted, opacity: 0.8 });
  });
  const [y0, y1] = panel.spec.y.domain;
  panel.line([[0, y0], [0, y1]], { stroke: COLORS.truth, width: 1 });
  if (Number.isFinite(m)) panel.line([[m, y0], [m, y1]], { stroke: COLORS.bad, width: 1.5, dash: '5 3' });
  return figure([panel]);
}

/**
 * Calibration: for each quantile level q, the share of true ages below the predicted q-quantile (on the
 * diagonal when calibrated; above it: the model guesses too old), and the 10-90% interval's coverage.
 */
export function calibrationChart(points: CalibrationPoint[], coverage?: { level: number; observed: number }, options: { size?: number } = {}): Figure {
  const size = options.size ?? 420;
  const n = points[0]?.n ?? 0;
  const at = (q: number) => points.find((p) => Math.abs(p.level - q) < 1e-9)?.observed;
  const lo = at(0.1);
  const hi = at(0.9);
  coverage ??= lo !== undefined && hi !== undefined ? { level: 0.8, observed: hi - lo } : undefined;
  const panel = new Panel({
    width: size,
    height: size,
    title: `Calibration of the age distributions (n=${n})`,
    x: { label: 'quantile level q of the predicted distribution', domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    y: { label: 'share of true ages below the q-quantile', domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] },
    legend: [
      { label: 'observed', color: COLORS.predicted, kind: 'line' },
      { label: 'perfectly calibrated', color: COLORS.truth, kind: 'dash' },
    ],
  });
  panel.line([[0, 0], [1, 1]], { stroke: COLORS.truth, width: 1, dash: '5 3' });
  const pts = points.map((p) => [p.level, p.observed] as [number, number]);
  panel.line(pts, { stroke: COLORS.predicted, width: 2 });
  panel.points(pts, 3.5, { fill: COLORS.predicted });
  if (coverage) {
    const text = `${Math.round(coverage.level * 100)}% intervals hold ${(coverage.observed * 100).toFixed(0)}% of true ages`;
    panel.text(0.97, 0.04, text, { anchor: 'end', size: 11, color: COLORS.truth });
  }
  return figure([panel]);
}
