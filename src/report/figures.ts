// `npm run figures`: the README's committed figures, from the shipped model and its training run, into
// docs/figures/. Plots only (no dataset faces: those are research-only), plus the public-domain example photo.
//
//   npm run figures -- [--run DIR (default models/default/run)] [--model DIR] [--data SHARDS|FOLDER] [--limit N] [--out DIR]
//
// The evaluation uses the run's held-out test split when its prepared shards are at hand (so the figures show
// faces the model never trained on), else an evenly spread sample of ../shared/datasets/utkface.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DatasetFormat } from '../data/readers/index.js';
import { defaultDetectorMode, evaluate } from '../eval/evaluate.js';
import { createAgeEstimator, DEFAULT_MODEL_DIR } from '../infer/estimator.js';
import { curvesChart, monitorChart } from './charts.js';
import { annotatePhoto } from './gallery.js';
import { writeEvalCharts } from './evaluation.js';
import { decodeImage } from '../image/decode.js';
import { faceLabels } from './photos.js';
import { writeFigure, writeRendered, type WrittenImage } from './render.js';
import { readRun } from './run.js';
import { testSplitManifest } from './split.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAX_TOTAL_BYTES = 1024 * 1024;

export interface FigureOptions {
  run: string;
  model: string;
  /** A prepared shard folder (its test split is used) or a UTKFace folder. Default: the run's shards. */
  data?: string;
  limit: number;
  out: string;
  /** Progress lines (main() prints them on stderr; the function itself prints nothing). */
  log?: (line: string) => void;
}

export async function makeReadmeFigures(o: FigureOptions): Promise<WrittenImage[]> {
  await mkdir(o.out, { recursive: true });
  const written: WrittenImage[] = [];
  const summary: Record<string, unknown> = { generatedAt: new Date().toISOString() };

  const run = await readRun(o.run);
  written.push(await writeFigure(o.out, 'learning-curves.png', curvesChart(run.epochs, run.steps)));
  if (run.monitor.length) written.push(await writeFigure(o.out, 'monitor.png', monitorChart(run.monitor, { epochEnds: run.epochs.map((e) => e.step) })));
  const best = run.epochs.filter((e) => e.val_mae !== undefined).sort((a, b) => a.val_mae! - b.val_mae!)[0];
  summary.run = { epochs: run.epochs.length, bestEpoch: best ? best.epoch + 1 : undefined, bestValMae: best?.val_mae, model: run.config?.model };

  const estimator = await createAgeEstimator({ model: o.model });
  const tmp = await mkdtemp(path.join(tmpdir(), 'howold-figures-'));
  try {
    const shards = o.data ?? (typeof run.config?.data === 'string' ? run.config.data : undefined);
    const split = shards ? await testSplitManifest(shards, tmp, repoRoot) : undefined;
    let source: string;
    let format: DatasetFormat;
    let detectorMode = defaultDetectorMode('utkface');
    if (split) {
      source = split.file;
      format = 'csv';
      detectorMode = defaultDetectorMode(split.format as DatasetFormat);
      summary.data = `the held-out test split of the run's prepared shards (${path.basename(shards!)}, ${split.format}: ${split.count} faces; an evenly spread ${Math.min(o.limit, split.count)} evaluated)`;
    } else {
      source = o.data && (await stat(o.data)).isDirectory() ? o.data : path.resolve(repoRoot, '../shared/datasets/utkface');
      format = 'utkface';
      summary.data = `${path.basename(source)} (an evenly spread sample of ${o.limit}; it may include training faces)`;
    }
    if (estimator.note) o.log?.(estimator.note);
    o.log?.(`evaluating up to ${o.limit} faces of ${summary.data as string}`);
    const result = await evaluate(source, estimator, { format, limit: o.limit, detectorMode, keepDistributions: true });
    const { predictions, metrics: m } = result;
    const charts = await writeEvalCharts(predictions, m, o.out);
    written.push(charts.sorted, charts.scatter, charts.band, ...(charts.gender ? [charts.gender] : []), charts.histogram);
    if (charts.calibration) written.push(charts.calibration.image);
    const calibration = charts.calibration?.levels ?? [];
    const { byBand, ...rest } = m;
    summary.eval = { ...rest, misses: result.misses, byBand, calibration };

    const astronaut = path.join(repoRoot, 'examples/astronaut.png');
    const pixels = await decodeImage(astronaut);
    const faces = await estimator(pixels);
    const photo = await annotatePhoto(pixels, faceLabels(faces), { maxWidth: 400, format: 'png' });
    written.push(await writeRendered(o.out, 'astronaut', photo));
    summary.astronaut = faces.map((f) => ({ age: f.age, low: f.low, high: f.high, gender: f.gender?.label }));
    summary.model = { dir: path.relative(repoRoot, o.model) || o.model, name: estimator.meta.name, engine: estimator.engine };
  } finally {
    await estimator.dispose();
    await rm(tmp, { recursive: true, force: true });
  }
  await writeFile(path.join(o.out, 'figures.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(path.join(o.out, 'README.md'), figuresMarkdown(written, summary));
  return written;
}

const CAPTIONS: Record<string, string> = {
  'learning-curves.png': 'Loss and mean absolute error per epoch, training (blue; faint: per step) and validation (orange).',
  'monitor.png': "The 100 monitor faces' predicted ages at each checkpoint, coloured by true age; dots on the right: the true ages (the tutorial's Figure 3).",
  'sorted.png': "Test faces sorted by true age: true age (line), predicted age (dots) and the 10-90% predicted interval (bars), as in the tutorial.",
  'scatter.png': 'Predicted against actual age with the diagonal and the ±5-year band (Figure 4).',
  'mae-by-band.png': 'Mean absolute error by true age band, with the number of faces and the mean signed error.',
  'mae-by-gender.png': "Mean absolute error by the dataset's gender label.",
  'error-histogram.png': 'Predicted minus actual age; the dashed line is the mean error.',
  'calibration.png': 'Calibration: how often the true age falls below each predicted quantile (diagonal = honest intervals).',
  'astronaut.png': 'examples/astronaut.png (public domain): the face boxed with its predicted age and 10-90% interval.',
};

/** docs/figures/README.md: each figure with a caption, and where the numbers came from. */
function figuresMarkdown(written: WrittenImage[], summary: Record<string, unknown>): string {
  const ev = summary.eval as { n?: number; mae?: number; cs5?: number; intervalCoverage?: number } | undefined;
  const lines = [
    '# Figures',
    '',
    'Made by `npm run figures` from the shipped model (models/default) and its training run; do not edit by hand.',
    `Evaluation data: ${String(summary.data ?? '-')}.`,
  ];
  if (ev?.mae !== undefined) {
    lines.push(
      `MAE ${ev.mae.toFixed(2)} years over ${ev.n} faces, CS@5 ${((ev.cs5 ?? Number.NaN) * 100).toFixed(1)}%, ` +
        `10-90% interval coverage ${((ev.intervalCoverage ?? Number.NaN) * 100).toFixed(1)}%. Numbers: figures.json.`,
    );
  }
  lines.push('');
  for (const w of written) lines.push(`![${w.file}](${w.file})`, '', CAPTIONS[w.file] ?? '', '');
  return `${lines.join('\n')}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      run: { type: 'string', default: path.join(DEFAULT_MODEL_DIR, 'run') },
      model: { type: 'string', default: DEFAULT_MODEL_DIR },
      data: { type: 'string' },
      // default: the whole held-out split, so the figures and the model card quote one evaluation
      limit: { type: 'string', default: '100000' },
      out: { type: 'string', default: path.join(repoRoot, 'docs/figures') },
    },
  });
  const out = path.resolve(values.out!);
  const log = (line: string) => process.stderr.write(`figures: ${line}\n`);
  const written = await makeReadmeFigures({ run: path.resolve(values.run!), model: path.resolve(values.model!), data: values.data, limit: Number(values.limit), out, log });
  let total = 0;
  for (const w of written) {
    const bytes = (await stat(path.join(out, w.file))).size;
    total += bytes;
    process.stdout.write(`${path.join(path.relative(process.cwd(), out), w.file)}  ${w.width}x${w.height}  ${(bytes / 1024).toFixed(0)} KB\n`);
  }
  process.stdout.write(`total ${(total / 1024).toFixed(0)} KB\n`);
  if (total > MAX_TOTAL_BYTES) {
    process.stderr.write(`figures: ${(total / 1024).toFixed(0)} KB is over the 1 MB budget for committed figures\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`figures: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
