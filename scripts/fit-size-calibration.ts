// npm run fit:size-calibration -- RUN.json [--model DIR] [--conditions a,b] [--write]
// Fits the size scaling of a model's calibration (wider intervals for small faces, model-meta.ts SizeScaling) on a
// bench:robust run of the validation split made with that model:
//   npm run bench:robust -- --split val --limit 900 --conditions size-32,size-48,size-64,size-96 --distributions --json RUN.json
// It prints each condition's interval coverage before and after, and with --write puts the fit in the model's
// howold.json. The test split is refused: what is checked there must not be fitted there.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL_DIR, type AgeCalibration } from '../src/index.js';
import { readModelMeta } from '../src/core/model-meta.js';
import type { FaceOutcome } from '../src/eval/robustness.js';
import { fitSizeScaling, type SizedFace } from '../src/eval/size-calibration.js';

/** One line on stderr and exit 1, as the CLI does for bad input. */
function fail(message: string): never {
  process.stderr.write(`fit:size-calibration: ${message}\n`);
  process.exit(1);
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, conditions: { type: 'string' }, write: { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file || positionals.length > 1) fail('give one bench:robust JSON: npm run fit:size-calibration -- RUN.json [--model DIR] [--write]');
const modelDir = path.resolve(args.model ?? DEFAULT_MODEL_DIR);

/** The fields of a bench:robust JSON that the fit reads. */
interface Run {
  split?: string;
  modelName: string;
  calibration?: AgeCalibration | null;
  outcomes: Record<string, FaceOutcome[]>;
}

let run: Run;
try {
  run = JSON.parse(readFileSync(file, 'utf8')) as Run;
} catch (err) {
  fail(`${file}: not a bench:robust JSON (${(err as Error).message})`);
}
if (run.split !== 'val') fail(`${file}: a run of the ${run.split ?? 'test'} split; fit on the validation split (bench:robust --split val)`);
const meta = await readModelMeta(modelDir).catch((err: Error) => fail(err.message));
if (!meta.calibration) fail(`${modelDir}: the model has no calibration to scale (run howold calibrate first)`);
if (!run.calibration || run.modelName !== meta.name || run.calibration.temperature !== meta.calibration.temperature) {
  fail(`${file}: made with another model or calibration than ${modelDir}'s; run bench:robust again with it`);
}
const wanted = args.conditions ? args.conditions.split(',') : Object.keys(run.outcomes).filter((c) => c === 'clean' || c.startsWith('size-'));
const faces: SizedFace[] = [];
for (const condition of wanted) {
  const outcomes = run.outcomes[condition];
  if (!outcomes) fail(`${file}: no condition '${condition}' (it has ${Object.keys(run.outcomes).join(', ')})`);
  for (const o of outcomes) {
    if (o.distribution === undefined) continue; // not found
    if (o.boxWidth === undefined) fail(`${file}: outcomes without distributions; run bench:robust with --distributions`);
    faces.push({ condition, truth: o.truth, boxWidth: o.boxWidth, distribution: o.distribution });
  }
}
// coverage at every size is brought to the full-size faces' (clean, 128 px), not to the nominal 80%
const reference = wanted.includes('clean') ? 'clean' : undefined;
const fit = fitSizeScaling(faces, run.calibration, meta.calibration.interval, { reference });
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
process.stdout.write(
  `size scaling: referenceWidth ${fit.referenceWidth} px, exponent ${fit.exponent.toFixed(2)} (${faces.length} faces; target: ${reference ? `the coverage of '${reference}'` : 'the nominal share'})\n`,
);
process.stdout.write('| condition | faces | coverage before | after |\n|---|---:|---:|---:|\n');
for (const [condition, c] of Object.entries(fit.byCondition)) process.stdout.write(`| ${condition} | ${c.n} | ${pct(c.before)} | ${pct(c.after)} |\n`);
if (args.write) {
  const jsonPath = path.join(modelDir, 'howold.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { calibration: Record<string, unknown> };
  json.calibration.sizeScaling = { referenceWidth: fit.referenceWidth, exponent: Number(fit.exponent.toFixed(2)), fittedOn: `${path.basename(file)} (${wanted.join(', ')}${reference ? `; coverage brought to ${reference}'s` : ''})`, n: faces.length };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`written to ${jsonPath}\n`);
}
