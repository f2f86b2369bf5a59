// howold calibrate SOURCE --labels FORMAT [--model DIR] [--write]: fits the temperature that makes the model's
// 80% intervals hold 80% of true ages on held-out labelled faces (the validation split: `howold data test-split
// SHARDS --split val`), through the same path eval takes, and with --write stores it in the model's howold.json.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseIntegerOption, parseNumberOption } from '../options.js';
import { DATASET_FORMATS } from '../../data/index.js';
import { DEFAULT_MODEL_DIR, chooseReadout, createAgeEstimator, evaluate, fitTemperature, HowoldError, writeFileAtomic, type DatasetFormat, type DetectorMode } from '../../index.js';
import { createProgress } from '../progress.js';
import { writeEngineNote } from '../output.js';

interface CalibrateFlags {
  labels: DatasetFormat;
  model?: string;
  limit?: number;
  detector?: DetectorMode;
  target?: number;
  write?: boolean;
}

export function register(program: Command): void {
  program
    .command('calibrate')
    .description("fit the temperature that makes the model's 80% intervals hold 80% of true ages on held-out faces, and pick the age readout (mean or median) with the lower MAE there; --write stores both in howold.json")
    .argument('<source>', 'labelled held-out faces (e.g. the val split: howold data test-split SHARDS --split val --out DIR)')
    .addOption(new Option('--labels <format>', 'how the labels are given').choices([...DATASET_FORMATS]).makeOptionMandatory())
    .option('--model <dir>', 'model folder (default: the shipped model, models/default)')
    .option('--limit <n>', 'an evenly spread sample of N images', (v) => parseIntegerOption(v, '--limit', 50))
    .addOption(new Option('--detector <mode>', "'crop' for tight face crops (default for utkface and csv manifests of them), 'photo' otherwise").choices(['photo', 'crop']))
    .option('--target <share>', 'coverage to reach (default 0.8, the 10th-90th percentile interval)', (v) => parseNumberOption(v, '--target', 0.05, 0.99))
    .option('--write', "store the calibration in the model's howold.json")
    .action(async (source: string, flags: CalibrateFlags) => {
      const dir = resolve(flags.model ?? DEFAULT_MODEL_DIR);
      // the model's own distribution, not one already recalibrated
      const estimator = await createAgeEstimator({ model: dir, calibrated: false });
      writeEngineNote(process.stderr, 'calibrate', estimator);
      try {
        const progress = createProgress(flags.limit ?? 0, 'calibrate');
        const result = await evaluate(source, estimator, {
          format: flags.labels,
          limit: flags.limit,
          detectorMode: flags.detector,
          keepDistributions: true,
          onProgress: (done, total) => progress.update(done, { total }),
          onSkip: (m) => process.stderr.write(`howold calibrate: skipped ${m}\n`),
        });
        progress.stop();
        const samples = result.predictions.map((p) => ({ distribution: p.distribution!, truth: p.truth }));
        if (samples.length < 50) throw new HowoldError('too_few_faces', `only ${samples.length} faces evaluated: calibration needs at least 50`, source);
        const calibration = { ...fitTemperature(samples, { target: flags.target, fittedOn: `${source} (${flags.labels})` }), ...chooseReadout(samples) };
        const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
        const { mean, median } = calibration.readoutMae;
        process.stdout.write(
          `temperature ${calibration.temperature} on ${calibration.n} faces: interval coverage ${pct(calibration.coverageBefore)} -> ${pct(calibration.coverageAfter)}\n` +
            `age read as the ${calibration.readout} of the distribution: MAE ${mean.toFixed(3)} (mean) vs ${median.toFixed(3)} (median)\n`,
        );
        if (flags.write) {
          const file = join(dir, 'howold.json');
          const meta = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
          await writeFileAtomic(file, `${JSON.stringify({ ...meta, calibration }, null, 2)}\n`);
          process.stdout.write(`written to ${file}\n`);
        }
      } finally {
        await estimator.dispose();
      }
    });
}
