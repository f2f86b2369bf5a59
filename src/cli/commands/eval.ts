import { Command, Option } from 'commander';
import { parseIntegerOption, parseNumberOption } from '../options.js';
import { DATASET_FORMATS, type DatasetFormat } from '../../data/index.js';
import type { DetectorMode } from '../../index.js';
import { createAgeEstimator } from '../../index.js';
import { defaultDetectorMode, evaluate } from '../../index.js';
import { evalMarkdown, formatEval } from '../../index.js';
import { writeEvalReport } from '../../report/index.js';
import { createProgress } from '../progress.js';
import { writeEngineNote } from '../output.js';

interface EvalFlags {
  labels: DatasetFormat;
  model?: string;
  limit?: number;
  json?: boolean;
  detector?: DetectorMode;
  report?: string;
  groupPhotos?: string;
  flip: boolean;
  under: number;
  markdown?: boolean;
  title?: string;
}

/** The command line as given, without the options that only shape the Markdown. */
function commandArgs(args: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--markdown' || args[i]!.startsWith('--title=')) continue;
    if (args[i] === '--title') i += 1;
    else kept.push(args[i]!);
  }
  return kept;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate an age model on a labelled folder through the prediction path (detect, align, estimate)')
    .argument('<source>', 'labelled dataset: a folder, an imdb.mat / wiki.mat, a CSV/JSONL manifest (age or age_group column), or a FairFace folder')
    .addOption(new Option('--labels <format>', 'how the labels are given').choices([...DATASET_FORMATS]).makeOptionMandatory())
    .option('--model <dir>', 'model folder (default: the shipped model, models/default)')
    .option('--limit <n>', 'evaluate an evenly spread sample of N images', (v) => parseIntegerOption(v, '--limit', 1))
    .addOption(new Option('--detector <mode>', "'crop' for tight face crops, 'photo' otherwise (default: crop for utkface and where a face fills nearly every one of 12 sampled images)").choices(['photo', 'crop']))
    .option('--no-flip', 'do not average each face with its mirror image (test-time augmentation, on by default)')
    .option('--under <years>', 'age threshold T: count minors called adults and adults called minors', (v) => parseNumberOption(v, '--under', 1, 100), 18)
    .addOption(new Option('--json', 'print one JSON object (n, misses, mae, rmse, cs5, byBand, intervalCoverage, groups, threshold, ...)').conflicts('markdown'))
    .option('--markdown', 'print the figures as Markdown tables (the fairness card for a model card)')
    .option('--title <text>', 'with --markdown: the heading')
    .option('--report <dir>', 'also write an HTML report with figures and galleries into this folder')
    .option('--group-photos <dir>', 'with --report: box every face with its age on the photos of this folder')
    .action(async (source: string, flags: EvalFlags) => {
      const estimator = await createAgeEstimator({ ...(flags.model ? { model: flags.model } : {}), flip: flags.flip });
      writeEngineNote(process.stderr, 'eval', estimator);
      try {
        const progress = createProgress(flags.limit ?? 0, 'eval');
        const started = Date.now();
        const result = await evaluate(source, estimator, {
          format: flags.labels,
          limit: flags.limit,
          detectorMode: flags.detector,
          keepDistributions: Boolean(flags.report),
          under: flags.under,
          onSkip: (m) => process.stderr.write(`howold eval: skipped ${m}\n`),
          onProgress: (done, total) => progress.update(done, { total }),
          onReject: (row) => process.stderr.write(`howold eval: ${row.path}: ${row.detail ?? row.reason} (${row.reason}); skipped\n`),
        });
        progress.stop();
        const seconds = (Date.now() - started) / 1000;
        const { metrics } = result;
        if (flags.json) {
          const { byBand, ...rest } = metrics;
          const out = {
            model: estimator.meta.name,
            engine: estimator.engine,
            ...rest,
            images: result.images,
            misses: result.misses,
            noFaceShare: result.noFaceShare,
            errors: result.errors,
            rejects: result.rejects,
            byBand,
            ...(result.groups ? { groups: result.groups } : {}),
            threshold: result.threshold,
            seconds,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else if (flags.markdown) {
          const command = ['howold', ...commandArgs(process.argv.slice(2))].join(' ');
          process.stdout.write(evalMarkdown(result, { title: flags.title ?? `${estimator.meta.name} on ${source}`, command }));
        } else {
          process.stdout.write(`model ${estimator.meta.name} (${estimator.engine}), ${seconds.toFixed(1)} s\n${formatEval(result)}\n`);
          const errors = Object.entries(result.errors);
          if (errors.length) process.stdout.write(`skipped: ${errors.map(([r, n]) => `${r} ${n}`).join(', ')}\n`);
          const rejects = Object.entries(result.rejects);
          if (rejects.length) process.stdout.write(`labels rejected: ${rejects.map(([r, n]) => `${r} ${n}`).join(', ')}\n`);
        }
        if (flags.report && metrics.n === 0) {
          process.stderr.write('howold eval: no report: its figures chart exact ages, and these labels give only age groups\n');
        } else if (flags.report) {
          const detectorMode = result.detector?.mode ?? flags.detector ?? defaultDetectorMode(flags.labels);
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
