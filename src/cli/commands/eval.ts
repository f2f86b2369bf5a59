import { Command, Option } from 'commander';
import { parseIntegerOption } from '../options.js';
import { DATASET_FORMATS, type DatasetFormat } from '../../data/index.js';
import type { DetectorMode } from '../../index.js';
import { createAgeEstimator } from '../../index.js';
import { defaultDetectorMode, evaluate } from '../../index.js';
import { formatMetrics } from '../../index.js';
import { writeEvalReport } from '../../report/index.js';
import { createProgress } from '../progress.js';

interface EvalFlags {
  labels: DatasetFormat;
  model?: string;
  limit?: number;
  json?: boolean;
  detector?: DetectorMode;
  report?: string;
  groupPhotos?: string;
  flip: boolean;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate an age model on a labelled folder through the prediction path (detect, align, estimate)')
    .argument('<source>', 'labelled dataset: a folder, an imdb.mat / wiki.mat, or a CSV/JSONL manifest')
    .addOption(new Option('--labels <format>', 'how the labels are given').choices([...DATASET_FORMATS]).makeOptionMandatory())
    .option('--model <dir>', 'model folder (default: the shipped model, models/default)')
    .option('--limit <n>', 'evaluate an evenly spread sample of N images', (v) => parseIntegerOption(v, '--limit', 1))
    .addOption(new Option('--detector <mode>', "'crop' for tight face crops (default for utkface), 'photo' otherwise").choices(['photo', 'crop']))
    .option('--no-flip', 'do not average each face with its mirror image (test-time augmentation, on by default)')
    .option('--json', 'print one JSON object (n, misses, mae, rmse, cs5, byBand, intervalCoverage, ...)')
    .option('--report <dir>', 'also write an HTML report with figures and galleries into this folder')
    .option('--group-photos <dir>', 'with --report: box every face with its age on the photos of this folder')
    .action(async (source: string, flags: EvalFlags) => {
      const estimator = await createAgeEstimator({ ...(flags.model ? { model: flags.model } : {}), flip: flags.flip });
      try {
        const progress = createProgress(flags.limit ?? 0, 'eval');
        const started = Date.now();
        const result = await evaluate(source, estimator, {
          format: flags.labels,
          limit: flags.limit,
          detectorMode: flags.detector,
          keepDistributions: Boolean(flags.report),
          onSkip: (m) => process.stderr.write(`howold eval: skipped ${m}\n`),
          onProgress: (done, total) => progress.update(done, { total }),
        });
        progress.stop();
        const seconds = (Date.now() - started) / 1000;
        const { metrics } = result;
        if (flags.json) {
          const { byBand, ...rest } = metrics;
          const out = { model: estimator.meta.name, engine: estimator.engine, ...rest, misses: result.misses, errors: result.errors, rejects: result.rejects, byBand, seconds };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else {
          process.stdout.write(`model ${estimator.meta.name} (${estimator.engine}), ${seconds.toFixed(1)} s\n${formatMetrics(metrics, result.misses)}\n`);
          const errors = Object.entries(result.errors);
          if (errors.length) process.stdout.write(`skipped: ${errors.map(([r, n]) => `${r} ${n}`).join(', ')}\n`);
          const rejects = Object.entries(result.rejects);
          if (rejects.length) process.stdout.write(`labels rejected: ${rejects.map(([r, n]) => `${r} ${n}`).join(', ')}\n`);
        }
        if (flags.report) {
          const detectorMode = flags.detector ?? defaultDetectorMode(flags.labels);
          const index = await writeEvalReport(result, {
            outDir: flags.report,
            estimator,
            detectorMode,
            source,
            groupPhotos: flags.groupPhotos,
            onSkip: (m) => process.stderr.write(`howold report: ${m}\n`),
          });
          process.stderr.write(`report: ${index}\n`);
        }
      } finally {
        await estimator.dispose();
      }
    });
}
