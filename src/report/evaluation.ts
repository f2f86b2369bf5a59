// The evaluation parts of a report: predicted vs actual age, galleries of the best and worst predictions, and
// the error broken down (age band, gender, histogram, calibration). Also writes predictions.csv and metrics.json.
import { writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RgbImage } from '../core/types.js';
import { errorMessage } from '../core/errors.js';
import { cropLabelledFace } from '../data/labelled-face.js';
import { createFaceDetector, type DetectorMode } from '../detect/index.js';
import type { EvalPrediction, EvalResult } from '../eval/evaluate.js';
import { quantileCalibration, type AgeMetrics } from '../eval/metrics.js';
import { decodeImage } from '../image/decode.js';
import type { AgeEstimator } from '../infer/estimator.js';
import { bandChart, calibrationChart, errorHistogram, genderChart, scatterChart, sortedChart } from './charts.js';
import { errorColor, tileGallery, type Tile } from './gallery.js';
import { writePage, type Section } from './html.js';
import { annotatePhotos, photoSection } from './photos.js';
import { writeFigure, writeRendered, type WrittenImage } from './render.js';
import { readRun, runSection } from './run.js';
import { csvField } from '../core/csv.js';

export interface EvalReportOptions {
  outDir: string;
  /** The estimator that made the predictions: the galleries' crops go through its detect + align path. */
  estimator: AgeEstimator;
  /** The detector mode eval used ('crop' for tight face crops), so the galleries show the faces it saw. */
  detectorMode: DetectorMode;
  /** Faces in each gallery (default 18). */
  galleryCount?: number;
  /** Side of a gallery tile in pixels (default 112). */
  tile?: number;
  /** Told of each photo left out (one line naming it and why). */
  onSkip?: (message: string) => void;
}

const round = (v: number) => Math.round(v);
const f = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(1)}%`);


export function predictionsCsv(predictions: EvalPrediction[]): string {
  const head = ['path', 'truth', 'age', 'low', 'high', 'error', 'detected', 'truth_gender', 'gender'];
  const rows = predictions.map((p) =>
    [p.path, p.truth, p.age.toFixed(2), p.low?.toFixed(1), p.high?.toFixed(1), (p.age - p.truth).toFixed(2), p.detected, p.truthGender, p.gender]
      .map(csvField)
      .join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}

/**
 * The labelled face of each prediction's image, cropped again through the same detector mode and alignment as
 * eval used (at `size` px for display); undefined where the image can no longer be read.
 */
export async function labelledCrops(
  items: Array<Pick<EvalPrediction, 'path' | 'truth' | 'faceBox'>>,
  estimator: AgeEstimator,
  detectorMode: DetectorMode,
  size: number,
  onSkip?: (message: string) => void,
): Promise<Array<RgbImage | undefined>> {
  const detector = detectorMode === 'photo' ? estimator.detector : await createFaceDetector({ mode: detectorMode });
  try {
    const crops: Array<RgbImage | undefined> = [];
    for (const item of items) {
      try {
        const image = await decodeImage(item.path);
        const row = { path: item.path, age: item.truth, ...(item.faceBox ? { faceBox: item.faceBox } : {}) };
        const crop = await cropLabelledFace(image, row, { size, margin: estimator.preprocessing.margin, source: 'detect', fallbackToWhole: true }, detector);
        crops.push(crop.pixels);
      } catch (err) {
        const message = errorMessage(err);
        onSkip?.(`left out of the gallery: ${message.startsWith(item.path) ? message : `${item.path}: ${message}`}`);
        crops.push(undefined);
      }
    }
    return crops;
  } finally {
    if (detector !== estimator.detector) await detector.dispose();
  }
}

function tilesOf(items: EvalPrediction[], crops: Array<RgbImage | undefined>): Tile[] {
  const tiles: Tile[] = [];
  items.forEach((p, i) => {
    const image = crops[i];
    if (!image) return;
    const lines = [`A=${round(p.truth)} P=${round(p.age)}`];
    const range = p.low !== undefined && p.high !== undefined ? `${round(p.low)}-${round(p.high)}` : '';
    lines.push(p.detected ? (range ? `interval ${range}` : '') : `${range} (no face)`.trim());
    tiles.push({ image, lines, color: errorColor(p.age - p.truth) });
  });
  return tiles;
}

/** Best and worst predictions by absolute error (ties by path, so reports are reproducible). */
export function bestAndWorst(predictions: EvalPrediction[], count: number): { best: EvalPrediction[]; worst: EvalPrediction[] } {
  const byError = [...predictions].sort((a, b) => Math.abs(a.age - a.truth) - Math.abs(b.age - b.truth) || (a.path < b.path ? -1 : 1));
  const best = byError.slice(0, count);
  const worst = byError.slice(Math.max(count, byError.length - count)).reverse();
  return { best, worst };
}

export interface EvalCharts {
  sorted: WrittenImage;
  scatter: WrittenImage;
  band: WrittenImage;
  gender?: WrittenImage;
  histogram: WrittenImage;
  calibration?: { image: WrittenImage; levels: ReturnType<typeof quantileCalibration> };
}

/** The evaluation's charts, one file each in `outDir`: shared by the HTML reports and `npm run figures`. */
export async function writeEvalCharts(predictions: EvalPrediction[], m: AgeMetrics, outDir: string): Promise<EvalCharts> {
  const levels = quantileCalibration(predictions);
  return {
    sorted: await writeFigure(outDir, 'sorted.png', sortedChart(predictions)),
    scatter: await writeFigure(outDir, 'scatter.png', scatterChart(predictions)),
    band: await writeFigure(outDir, 'mae-by-band.png', bandChart(m.byBand)),
    ...(m.byGender ? { gender: await writeFigure(outDir, 'mae-by-gender.png', genderChart(m.byGender)) } : {}),
    histogram: await writeFigure(outDir, 'error-histogram.png', errorHistogram(predictions)),
    ...(levels.length ? { calibration: { image: await writeFigure(outDir, 'calibration.png', calibrationChart(levels)), levels } } : {}),
  };
}

export async function evalSections(result: EvalResult, options: EvalReportOptions): Promise<Section[]> {
  const { outDir } = options;
  const { predictions, metrics: m } = result;
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'predictions.csv'), predictionsCsv(predictions));
  const { byBand, ...rest } = m;
  await writeFile(join(outDir, 'metrics.json'), `${JSON.stringify({ ...rest, misses: result.misses, errors: result.errors, byBand }, null, 2)}\n`);

  const summaryRows: Array<[string, string | number]> = [
    ['faces', m.n],
    ['no face detected (whole image used)', result.misses],
    ['MAE (years)', f(m.mae)],
    ['RMSE (years)', f(m.rmse)],
    ['CS@5 (within 5 years)', pct(m.cs5)],
    ['CS@10', pct(m.cs10)],
    ['10-90% interval coverage', pct(m.intervalCoverage)],
    ['mean interval width (years)', f(m.meanIntervalWidth, 1)],
  ];
  if (m.genderAccuracy !== undefined) summaryRows.push(['gender accuracy', pct(m.genderAccuracy)]);
  const skipped = Object.entries(result.errors);
  if (skipped.length) summaryRows.push(['skipped images', skipped.map(([r, n]) => `${r} ${n}`).join(', ')]);

  const charts = await writeEvalCharts(predictions, m, outDir);
  const accuracy: Section = {
    id: 'accuracy',
    title: 'Predicted vs actual age',
    blocks: [
      { kind: 'table', head: ['metric', 'value'], rows: summaryRows },
      {
        kind: 'figure',
        image: charts.sorted,
        caption:
          "The tutorial's line plot: the faces sorted by true age (black line), each face's predicted age as a dot and its " +
          '10-90% predicted interval as a light bar. Dots hugging the line are good predictions.',
      },
      {
        kind: 'figure',
        image: charts.scatter,
        caption:
          'Predicted against actual age (Figure 4). On the diagonal the prediction is exact; the grey band is within 5 years. ' +
          'A cloud flatter than the diagonal means the model pulls ages towards the middle.',
      },
      { kind: 'link', href: 'predictions.csv', text: 'All predictions (predictions.csv)' },
    ],
  };

  const count = options.galleryCount ?? 18;
  const tile = options.tile ?? 112;
  const { best, worst } = bestAndWorst(predictions, count);
  const crops = await labelledCrops([...best, ...worst], options.estimator, options.detectorMode, tile, options.onSkip);
  const bestTiles = tilesOf(best, crops.slice(0, best.length));
  const worstTiles = tilesOf(worst, crops.slice(best.length));
  const galleryBlocks: Section['blocks'] = [];
  for (const [name, tiles, title, caption] of [
    ['best', bestTiles, `The ${bestTiles.length} best predictions`, 'Figure 5: the faces predicted best (smallest error).'],
    ['worst', worstTiles, `The ${worstTiles.length} worst predictions`, 'Figure 6: the faces predicted worst (largest error), worst first. Some of these are label errors in the dataset: see howold audit.'],
  ] as const) {
    if (tiles.length === 0) continue;
    const g = await tileGallery([...tiles], { columns: 6, tile, title });
    galleryBlocks.push({ kind: 'figure', image: await writeRendered(outDir, name, g), caption: `${caption} A = actual (label), P = predicted; the frame is green within 5 years, orange within 10, red beyond.` });
  }
  galleryBlocks.push({
    kind: 'table',
    head: ['worst', 'file', 'actual', 'predicted', 'interval', 'face found'],
    rows: worst.map((p, i) => [i + 1, basename(p.path), p.truth, f(p.age, 1), p.low === undefined ? '-' : `${round(p.low)}-${round(p.high!)}`, p.detected ? 'yes' : 'no']),
  });
  const galleries: Section = {
    id: 'galleries',
    title: 'Best and worst predictions',
    intro: 'Each face is cropped and aligned exactly as the model saw it.',
    blocks: galleryBlocks,
  };

  const errorBlocks: Section['blocks'] = [
    {
      kind: 'figure',
      image: charts.band,
      caption: 'Mean absolute error by true age band, with the number of faces and the mean signed error (+: guessed too old).',
    },
  ];
  if (charts.gender) {
    errorBlocks.push({ kind: 'figure', image: charts.gender, caption: 'Mean absolute error by the dataset\'s gender label.' });
  }
  errorBlocks.push({
    kind: 'figure',
    image: charts.histogram,
    caption: 'Predicted minus actual age over all faces; the dashed line is the mean (the bias).',
  });
  if (charts.calibration) {
    const calibration = charts.calibration.levels;
    errorBlocks.push({
      kind: 'figure',
      image: charts.calibration.image,
      caption:
        'Are the predicted age distributions honest? For each level q, the share of faces whose true age lies below the ' +
        'predicted q-quantile. On the diagonal the intervals mean what they say; a curve flatter than the diagonal means ' +
        'over-confident (too narrow) intervals, a curve above it a model that guesses too old.',
    });
    errorBlocks.push({
      kind: 'table',
      head: ['quantile level q', ...calibration.map((c) => c.level.toFixed(1))],
      rows: [['true age below the q-quantile', ...calibration.map((c) => pct(c.observed))]],
    });
  }
  const errors: Section = { id: 'errors', title: 'Where the errors are', blocks: errorBlocks };
  return [accuracy, galleries, errors];
}

export interface WriteEvalReportOptions extends EvalReportOptions {
  /** What was evaluated (shown in the header). */
  source: string;
  /** A folder of photos with several people: every face boxed with its age. */
  groupPhotos?: string;
  /** A training run folder: its learning progress goes first. */
  run?: string;
}

/** OUTDIR/index.html with the figures beside it; returns the path of index.html. */
export async function writeEvalReport(result: EvalResult, options: WriteEvalReportOptions): Promise<string> {
  const { outDir, estimator } = options;
  const sections: Section[] = [];
  const meta = [`data: ${options.source} (${result.metrics.n} faces)`, `model: ${estimator.meta.name} (${estimator.engine})`];
  if (options.run) {
    const run = await readRun(options.run);
    sections.push(await runSection(run, outDir));
  }
  const [accuracy, galleries, errors] = await evalSections(result, options);
  sections.push(accuracy!, galleries!);
  if (options.groupPhotos) {
    const results = await annotatePhotos(options.groupPhotos, estimator, outDir);
    for (const r of results) if (r.error) options.onSkip?.(`${r.path}: ${r.error}`);
    sections.push(photoSection(results, options.groupPhotos));
  }
  sections.push(errors!);
  meta.push(`written ${new Date().toISOString()}`);
  return writePage(outDir, {
    title: 'howold evaluation report',
    meta,
    notice: 'The galleries show faces from the dataset: research use only; do not publish or commit this folder.',
    sections,
  });
}
