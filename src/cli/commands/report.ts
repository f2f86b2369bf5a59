// howold report [RUNDIR] [--out DIR] [--photos DIR]: an HTML report of a training run (learning progress) and/or
// of any folder of photos (every face boxed with its age).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseIntegerOption } from '../../core/checks.js';
import { HowoldError } from '../../core/errors.js';
import { createAgeEstimator } from '../../infer/estimator.js';
import type { Section } from '../../report/html.js';
import { writePage } from '../../report/html.js';
import { annotatePhotos, photoSection } from '../../report/photos.js';
import { describeRun, readRun, runSection } from '../../report/run.js';

export interface ReportFlags {
  out?: string;
  photos?: string;
  model?: string;
  photoLimit?: number;
}

/** Writes the report; returns the path of index.html. */
export async function runReport(runDir: string | undefined, flags: ReportFlags): Promise<string> {
  if (!runDir && !flags.photos) throw new HowoldError('invalid_argument', 'nothing to report: give a training run folder, --photos DIR, or both');
  const outDir = resolve(flags.out ?? (runDir ? join(runDir, 'report') : 'howold-report'));
  const sections: Section[] = [];
  const meta: string[] = [];
  if (runDir) {
    const run = await readRun(runDir);
    meta.push(describeRun(run));
    sections.push(await runSection(run, outDir));
  }
  if (flags.photos) {
    // The run's best model when reporting on a run, unless a model is named.
    const runBest = runDir && existsSync(join(runDir, 'best', 'howold.json')) ? join(runDir, 'best') : undefined;
    const model = flags.model ?? runBest;
    const estimator = await createAgeEstimator(model ? { model } : {});
    try {
      const results = await annotatePhotos(flags.photos, estimator, outDir, { limit: flags.photoLimit });
      for (const r of results) if (r.error) process.stderr.write(`howold report: ${r.path}: ${r.error}\n`);
      meta.push(`photos: ${flags.photos}, model ${estimator.meta.name} (${model ?? 'shipped model'})`);
      sections.push(photoSection(results, flags.photos));
    } finally {
      await estimator.dispose();
    }
  }
  meta.push(`written ${new Date().toISOString()}`);
  return writePage(outDir, { title: runDir ? 'howold training report' : 'howold photo report', meta, sections });
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write an HTML report with figures: learning progress of a training run, and/or ages on a folder of photos')
    .argument('[rundir]', 'training run folder (log.jsonl, monitor.jsonl, best/)')
    .option('--out <dir>', 'report folder (default: RUNDIR/report, or ./howold-report)')
    .option('--photos <dir>', 'also box every face with its age on the photos of this folder (or one photo)')
    .option('--model <dir>', "model for --photos (default: the run's best/, else the shipped model)")
    .option('--photo-limit <n>', 'at most N photos (default 24)', (v) => parseIntegerOption(v, '--photo-limit', 1))
    .action(async (runDir: string | undefined, flags: ReportFlags) => {
      const index = await runReport(runDir, flags);
      process.stdout.write(`${index}\n`);
    });
}
