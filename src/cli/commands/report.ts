// howold report [RUNDIR] [--out DIR] [--test N] [--photos DIR]: an HTML report of a training run (learning
// progress; with --test, its best model on the held-out test split) and/or of any folder of photos (every face
// boxed with its age).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseIntegerOption } from '../options.js';
import { writeEngineNote } from '../output.js';
import { HowoldError } from '../../index.js';
import type { DatasetFormat } from '../../data/index.js';
import { defaultDetectorMode, evaluate } from '../../index.js';
import { createAgeEstimator, type AgeEstimator } from '../../index.js';
import { evalSections } from '../../report/index.js';
import type { Section } from '../../report/index.js';
import { writePage } from '../../report/index.js';
import { annotatePhotos, photoSection } from '../../report/index.js';
import { readRun, runSection, type RunData } from '../../report/index.js';
import { testSplitManifest } from '../../report/index.js';

export interface ReportFlags {
  out?: string;
  photos?: string;
  model?: string;
  photoLimit?: number;
  test?: number;
}

/** The predicted-vs-actual, gallery and error sections for `n` faces of the run's held-out test split. */
async function testSections(run: RunData, n: number, estimator: AgeEstimator, outDir: string): Promise<{ sections: Section[]; note: string }> {
  const shards = typeof run.config?.data === 'string' ? run.config.data : undefined;
  const tmp = await mkdtemp(join(tmpdir(), 'howold-report-'));
  try {
    const split = shards ? await testSplitManifest(shards, tmp) : undefined;
    if (!split) throw new HowoldError('no_test_split', `--test needs the run's prepared shards with a test split (config.json names ${shards ?? 'none'})`, run.dir);
    const detectorMode = defaultDetectorMode(split.format as DatasetFormat);
    const result = await evaluate(split.file, estimator, {
      format: 'csv',
      limit: n,
      detectorMode,
      keepDistributions: true,
      onSkip: (m) => process.stderr.write(`howold report: skipped ${m}\n`),
    });
    const sections = await evalSections(result, { outDir, estimator, detectorMode, onSkip: (m) => process.stderr.write(`howold report: ${m}\n`) });
    return { sections, note: `test: ${result.metrics.n} of the ${split.count} held-out test faces of ${shards}, MAE ${result.metrics.mae.toFixed(2)}` };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Writes the report; returns the path of index.html. */
export async function runReport(runDir: string | undefined, flags: ReportFlags): Promise<string> {
  if (!runDir && !flags.photos) throw new HowoldError('invalid_argument', 'nothing to report: give a training run folder, --photos DIR, or both');
  const outDir = resolve(flags.out ?? (runDir ? join(runDir, 'report') : 'howold-report'));
  const sections: Section[] = [];
  const meta: string[] = [];
  const run = runDir ? await readRun(runDir) : undefined;
  if (run) {
    sections.push(await runSection(run, outDir));
  }
  if (flags.test && !run) throw new HowoldError('invalid_argument', '--test evaluates a training run: give its folder');
  if (flags.photos || flags.test) {
    // The run's best model when reporting on a run, unless a model is named.
    const runBest = runDir && existsSync(join(runDir, 'best', 'howold.json')) ? join(runDir, 'best') : undefined;
    const model = flags.model ?? runBest;
    const estimator = await createAgeEstimator(model ? { model } : {});
    writeEngineNote(process.stderr, 'report', estimator);
    try {
      meta.push(`model: ${estimator.meta.name} (${model ?? 'the shipped model'}, ${estimator.engine})`);
      let errors: Section | undefined;
      if (run && flags.test) {
        const test = await testSections(run, flags.test, estimator, outDir);
        meta.push(test.note);
        sections.push(test.sections[0]!, test.sections[1]!);
        errors = test.sections[2];
      }
      if (flags.photos) {
        const results = await annotatePhotos(flags.photos, estimator, outDir, { limit: flags.photoLimit });
        for (const r of results) if (r.error) process.stderr.write(`howold report: ${r.path}: ${r.error}\n`);
        sections.push(photoSection(results, flags.photos));
      }
      if (errors) sections.push(errors);
    } finally {
      await estimator.dispose();
    }
  }
  meta.push(`written ${new Date().toISOString()}`);
  const notice = flags.test ? 'The galleries show faces from the dataset: research use only; do not publish or commit this folder.' : undefined;
  return writePage(outDir, { title: runDir ? 'howold training report' : 'howold photo report', meta, sections, notice });
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write an HTML report with figures: learning progress of a training run, and/or ages on a folder of photos')
    .argument('[rundir]', 'training run folder (log.jsonl, monitor.jsonl, best/)')
    .option('--out <dir>', 'report folder (default: RUNDIR/report, or ./howold-report)')
    .option('--test <n>', "also evaluate the run's best model on N faces of its held-out test split (figures, galleries)", (v) => parseIntegerOption(v, '--test', 1))
    .option('--photos <dir>', 'also box every face with its age on the photos of this folder (or one photo)')
    .option('--model <dir>', "model for --test and --photos (default: the run's best/, else the shipped model)")
    .option('--photo-limit <n>', 'at most N photos (default 24)', (v) => parseIntegerOption(v, '--photo-limit', 1))
    .action(async (runDir: string | undefined, flags: ReportFlags) => {
      const index = await runReport(runDir, flags);
      process.stdout.write(`${index}\n`);
    });
}
