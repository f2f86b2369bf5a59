// howold audit DIR --labels FORMAT [--top N] [--report OUTDIR]: the labels the model most confidently disputes.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parseIntegerOption } from '../options.js';
import { DATASET_FORMATS, type DatasetFormat } from '../../data/index.js';
import type { DetectorMode } from '../../index.js';
import { defaultDetectorMode, evaluate } from '../../index.js';
import { createAgeEstimator, HowoldError } from '../../index.js';
import { auditCsv, formatAudit, rankAudit, writeAuditReport } from '../../report/index.js';
import { createProgress } from '../progress.js';
import { writeEngineNote } from '../output.js';

interface AuditFlags {
  labels: DatasetFormat;
  top: number;
  report?: string;
  csv?: string;
  model?: string;
  limit?: number;
  detector?: DetectorMode;
}

export function register(program: Command): void {
  program
    .command('audit')
    .description('rank the images whose label the model most confidently disagrees with (to clean a dataset)')
    .argument('<source>', 'labelled dataset: a folder, an imdb.mat / wiki.mat, or a CSV/JSONL manifest')
    .addOption(new Option('--labels <format>', 'how the labels are given').choices([...DATASET_FORMATS]).makeOptionMandatory())
    .option('--top <n>', 'print (and show in the gallery) the N most disputed', (v) => parseIntegerOption(v, '--top', 1), 20)
    .option('--report <dir>', 'write audit.csv (all images, ranked), gallery.png and index.html into this folder')
    .option('--csv <file>', 'write the ranked CSV here')
    .option('--model <dir>', 'model folder (default: the shipped model, models/default)')
    .option('--limit <n>', 'audit an evenly spread sample of N images', (v) => parseIntegerOption(v, '--limit', 1))
    .addOption(new Option('--detector <mode>', "'crop' for tight face crops (default for utkface), 'photo' otherwise").choices(['photo', 'crop']))
    .action(async (source: string, flags: AuditFlags) => {
      const estimator = await createAgeEstimator(flags.model ? { model: flags.model } : {});
      writeEngineNote(process.stderr, 'audit', estimator);
      try {
        const detectorMode = flags.detector ?? defaultDetectorMode(flags.labels);
        const progress = createProgress(flags.limit ?? 0, 'audit');
        const result = await evaluate(source, estimator, {
          format: flags.labels,
          limit: flags.limit,
          detectorMode,
          keepDistributions: true,
          onSkip: (m) => process.stderr.write(`howold audit: skipped ${m}\n`),
          onProgress: (done, total) => progress.update(done, { total }),
        });
        progress.stop();
        // a label that is only an age group has no single age to dispute
        const exact = result.predictions.filter((p) => !p.truthGroup);
        if (exact.length === 0) throw new HowoldError('no_ages', 'audit needs labels with ages; these give only age groups', source);
        const rows = rankAudit(exact);
        process.stdout.write(`model ${estimator.meta.name}: ${rows.length} images, MAE ${result.metrics.mae.toFixed(2)}; most disputed labels:\n`);
        process.stdout.write(`${formatAudit(rows, flags.top)}\n`);
        if (flags.csv) await writeFile(flags.csv, auditCsv(rows));
        if (flags.report) {
          const index = await writeAuditReport(rows, { outDir: flags.report, estimator, detectorMode, top: flags.top, source, onSkip: (m) => process.stderr.write(`howold audit: ${m}\n`) });
          process.stdout.write(`report: ${index}\n`);
        }
      } finally {
        await estimator.dispose();
      }
    });
}
