// npm run bench:robust: ages in photos unlike UTKFace's crops. Each face of the UTKFace test split (seed 1, the
// model card's split) is pasted into a generated scene (src/eval/scenes.ts) at sizes from 24 to 200 px, turned,
// and put through JPEG, blur, noise, low light, colour casts and grayscale (src/eval/conditions.ts); every photo
// goes through photo mode of the public API (`createAgeEstimator`: detect, align, model, as `howold predict`).
// Per condition: MAE and signed error by decade, no-face share, and face-api's AgeGenderNet on the same
// detections as the reference line. Also crop mode on the raw crop vs photo mode on the 200 px scene.
//   npm run bench:robust -- [--model DIR] [--limit N] [--conditions a,b] [--seed N] [--json out.json] [--markdown]
//     [--split test|val] [--distributions]
// (--split val renders the validation split instead, for fitting what the test split then checks; --distributions
// keeps each found face's age distribution and box width in the JSON outcomes, ~10 KB per face and condition)
// (clean is always among the conditions; --data DIR points at another copy of UTKFace's aligned crops)
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createAgeEstimator, decodeImage, DEFAULT_MODEL_DIR, type AgeCalibration, type Face, type RgbImage } from '../src/index.js';
import { parseIntegerOption } from '../src/cli/options.js';
import { errorMessage } from '../src/core/errors.js';
import { mixSeed } from '../src/core/rng.js';
import { readDatasetSplit } from '../src/data/dataset-split.js';
import { CONDITIONS, parseConditions, type Condition, type ConditionedImage } from '../src/eval/conditions.js';
import { sampleRows } from '../src/eval/evaluate.js';
import { createFaceApiReference } from '../src/eval/faceapi-reference.js';
import {
  AGE_BANDS,
  matchFace,
  modeConsistency,
  robustnessSummary,
  summariseCondition,
  type ConditionSummary,
  type FaceOutcome,
} from '../src/eval/robustness.js';
import { createScene, renderFace, type Placement } from '../src/eval/scenes.js';
import { cpuLine } from './cpu.js';

/**
 * Faces by default: all 25 conditions cost ~2.05 s of CPU per face on one core of the AMD EPYC BENCHMARKS.md
 * describes (measured over 20 faces), so 350 faces take ~12 min of an unshared core (longer when it is shared).
 */
const DEFAULT_LIMIT = 350;
const CONSISTENCY_CONDITION = 'size-200';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    limit: { type: 'string' },
    conditions: { type: 'string' },
    seed: { type: 'string', default: '1' },
    data: { type: 'string' },
    json: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    split: { type: 'string', default: 'test' },
    distributions: { type: 'boolean', default: false },
  },
});
if (args.split !== 'test' && args.split !== 'val') throw new Error(`--split: expected test or val but received '${args.split}'`);
const splitName = args.split;

async function main(): Promise<void> {
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  const modelDir = path.resolve(args.model ?? DEFAULT_MODEL_DIR);
  const limit = args.limit === undefined ? DEFAULT_LIMIT : parseIntegerOption(args.limit, '--limit', 1);
  const seed = parseIntegerOption(args.seed!, '--seed', 0);
  // clean is always measured: every other condition is read against it
  const asked = parseConditions(args.conditions);
  const conditions = asked.some((c) => c.name === 'clean') ? asked : [CONDITIONS[0]!, ...asked];
  const dataDir = path.resolve(args.data ?? path.join(repoRoot, '../shared/datasets/utkface'));
  sharp.concurrency(1);

  const split = await readDatasetSplit(dataDir, 'utkface', { seed: 1, base: repoRoot });
  const rows = sampleRows(split[splitName], limit);
  // photo mode needs the 200 px scene for the consistency check even when the table leaves it out
  const run: Condition[] = conditions.some((c) => c.name === CONSISTENCY_CONDITION)
    ? conditions
    : [...conditions, CONDITIONS.find((c) => c.name === CONSISTENCY_CONDITION)!];
  const estimator = await createAgeEstimator({ model: modelDir, threads: 1 });
  const cropEstimator = await createAgeEstimator({ model: modelDir, threads: 1, detector: { mode: 'crop' } });
  const reference = await createFaceApiReference();
  process.stderr.write(
    `${rows.length} of ${split[splitName].length} ${splitName} faces x ${run.length} conditions, model ${estimator.meta.name} (${path.relative(repoRoot, modelDir) || modelDir}, ${estimator.engine}), detector ${estimator.detector.engine}\n`,
  );

  const outcomes = new Map<string, FaceOutcome[]>(run.map((c) => [c.name, []]));
  const cropAges: (number | undefined)[] = [];
  const files: string[] = [];
  const loopStarted = performance.now();
  for (const [i, row] of rows.entries()) {
    const crop = await decodeImage(row.path);
    const face: RgbImage = { data: crop.data, width: crop.width, height: crop.height };
    files.push(path.basename(row.path));
    const whole: Placement = { centre: { x: face.width / 2, y: face.height / 2 }, size: face.width, angle: 0, cropSize: face.width };
    const cropFaces = await cropEstimator(face);
    const cropMatch = matchFace(cropFaces, whole);
    cropAges.push(cropMatch === undefined ? undefined : cropFaces[cropMatch]!.age);

    // the scene belongs to the face (its file name), so a face meets the same scene whatever --limit says
    const sceneSeed = mixSeed(seed, hashText(path.basename(row.path)));
    const scene = createScene(sceneSeed);
    const photos: { condition: Condition; placement: Placement; image: ConditionedImage }[] = [];
    for (const condition of run) {
      const { image, placement } = await renderFace(scene, face, condition.faceSize, condition.angle);
      const conditioned = condition.distort ? await condition.distort(image, mixSeed(sceneSeed, hashText(condition.name))) : { input: image, pixels: image };
      photos.push({ condition, placement, image: conditioned });
    }
    const results = await estimator(photos.map((p) => p.image.input));
    const referenceCrops: RgbImage[] = [];
    const found: { outcome: FaceOutcome; face?: Face }[] = photos.map((photo, k) => {
      const result = results[k]!;
      if (result.error) throw result.error;
      const m = matchFace(result.faces, photo.placement);
      const outcome: FaceOutcome = { face: i, truth: row.age, falsePositives: result.faces.length - (m === undefined ? 0 : 1) };
      if (m === undefined) return { outcome };
      const detected = result.faces[m]!;
      Object.assign(outcome, { age: detected.age, low: detected.low, high: detected.high });
      if (args.distributions) Object.assign(outcome, { boxWidth: detected.box.width, distribution: detected.distribution });
      referenceCrops.push(reference.crop(photo.image.pixels, detected));
      return { outcome, face: detected };
    });
    const referenceAges = await reference.ages(referenceCrops);
    let next = 0;
    found.forEach(({ outcome, face: detected }, k) => {
      if (detected) outcome.reference = referenceAges[next++];
      outcomes.get(photos[k]!.condition.name)!.push(outcome);
    });
    if ((i + 1) % 10 === 0 || i + 1 === rows.length) {
      const perFace = (performance.now() - loopStarted) / 1000 / (i + 1);
      process.stderr.write(`  ${i + 1}/${rows.length} faces, ${perFace.toFixed(2)} s per face, ~${Math.round((rows.length - i - 1) * perFace)} s left\n`);
    }
  }
  reference.dispose();
  await estimator.dispose();
  await cropEstimator.dispose();

  const clean = outcomes.get('clean');
  const summaries = conditions.map((c) => summariseCondition(c.name, outcomes.get(c.name)!, c.name === 'clean' ? undefined : clean));
  const summary = robustnessSummary(summaries);
  const photo200 = outcomes.get(CONSISTENCY_CONDITION)!;
  const consistency = modeConsistency(rows.map((r) => r.age), cropAges, photo200.map((o) => o.age));
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuSeconds = (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  const cpu = cpuLine();
  const report: Report = {
    date: new Date().toISOString(),
    cpu,
    node: process.version,
    wallSeconds,
    cpuSeconds,
    loadAtStart,
    model: path.relative(repoRoot, modelDir) || modelDir,
    modelName: estimator.meta.name,
    calibration: estimator.meta.calibration ?? null,
    faces: rows.length,
    split: splitName,
    splitFaces: split[splitName].length,
    limit,
    defaultLimit: DEFAULT_LIMIT,
    seed,
    conditions: conditions.map(({ name, description, faceSize, angle }) => ({ name, description, faceSize, angle })),
    summaries,
    summary,
    consistency,
    reference: REFERENCE_NOTE,
    outcomes: Object.fromEntries([...outcomes].map(([name, list]) => [name, list])),
    cropAges: cropAges.map((age) => age ?? null),
    files,
  };
  if (args.json) await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(args.markdown ? markdown(report) : text(report));
}

interface Report {
  date: string;
  cpu: string;
  node: string;
  wallSeconds: number;
  /** This process's CPU time: the wall time when the core is not shared. */
  cpuSeconds: number;
  /** The 1-minute load average when the run started: other jobs sharing the machine stretch the wall time. */
  loadAtStart: number;
  model: string;
  modelName: string;
  /** The model's calibration when the run was made (what the distributions in the outcomes went through). */
  calibration: AgeCalibration | null;
  faces: number;
  /** Which UTKFace split was rendered (test unless --split val). */
  split: 'test' | 'val';
  /** Faces in that split. */
  splitFaces: number;
  limit: number;
  defaultLimit: number;
  seed: number;
  conditions: Pick<Condition, 'name' | 'description' | 'faceSize' | 'angle'>[];
  summaries: ConditionSummary[];
  summary: ReturnType<typeof robustnessSummary>;
  consistency: ReturnType<typeof modeConsistency>;
  reference: string;
  outcomes: Record<string, FaceOutcome[]>;
  /** Crop mode on the 200 px crop, per face (null: no face found). */
  cropAges: (number | null)[];
  files: string[];
}

const REFERENCE_NOTE =
  "face-api.js's AgeGenderNet (its original network and age regression, models/tinyxception.ts) on the same detected " +
  "face, in face-api's framing (alignFace align 'landmarks', margin 1.2: the 68-landmark box, padded), turned level " +
  'with the eyes where face-api would not turn it; no mirror averaging.';

/** FNV-1a: a stable 32-bit number for a name. */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const f = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const signed = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`);
const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);

/** The options that reproduce the run's sample (for the markdown's command line). */
function commandOptions(r: Report): string {
  const options = [...(r.limit === r.defaultLimit ? [] : [`--limit ${r.limit}`]), ...(r.split === 'val' ? ['--split val'] : [])];
  return options.length === 0 ? '' : ` -- ${options.join(' ')}`;
}

function header(r: Report): string[] {
  return [
    `bench:robust ${r.date.slice(0, 10)}: ${r.faces} of the ${r.splitFaces} UTKFace ${r.split}-split faces (seed 1; --limit ${r.limit}, default ${r.defaultLimit}), ` +
      `scene seed ${r.seed}, ${r.summaries.length} conditions, model ${r.modelName} (${r.model})`,
    `CPU ${r.cpu}, one core, Node ${r.node}; wall time ${(r.wallSeconds / 60).toFixed(1)} min (${r.wallSeconds.toFixed(0)} s), process CPU time ${r.cpuSeconds.toFixed(0)} s, load average ${r.loadAtStart.toFixed(1)} at the start`,
  ];
}

function summaryLines(r: Report): string[] {
  const s = r.summary;
  const c = r.consistency;
  return [
    `mean MAE over the ${r.summaries.filter((c) => c.condition !== 'clean' && c.model.n > 0).length} conditions with faces found / clean MAE: ${f(s.meanMae)} / ${f(s.cleanMae)} = ${f(s.ratio, 3)} (target <= 1.15)` +
      (s.reference ? `; face-api: ${f(s.reference.meanMae)} / ${f(s.reference.cleanMae)} = ${f(s.reference.ratio, 3)}` : ''),
    `conditions where the model's MAE is above face-api's: ${s.worseThanReference.length ? s.worseThanReference.join(', ') : 'none'} (target: none)`,
    `crop mode (200 px crop) vs photo mode (200 px in the scene), ${c.n} faces found by both (${c.onlyCrop} only in crop mode, ${c.onlyPhoto} only in photo mode): ` +
      `mean |photo − crop| ${f(c.meanAbsDifference)} years, mean photo − crop ${signed(c.meanSignedDifference)}, largest ${f(c.maxAbsDifference, 1)}; ` +
      `MAE crop ${f(c.cropMae)}, photo ${f(c.photoMae)}`,
    `reference: ${r.reference}`,
  ];
}

function text(r: Report): string {
  const lines = [...header(r), ''];
  lines.push(
    `${'condition'.padEnd(12)} ${'found'.padStart(5)} ${'no face'.padStart(8)} ${'FP/photo'.padStart(8)} ${'MAE'.padStart(6)} ${'signed'.padStart(7)} ${'CS@5'.padStart(6)} ${'cover'.padStart(6)} ${'clean*'.padStart(6)} | ${'f-a MAE'.padStart(7)} ${'signed'.padStart(7)} ${'clean*'.padStart(6)}`,
  );
  for (const s of r.summaries) {
    lines.push(
      `${s.condition.padEnd(12)} ${String(s.found).padStart(5)} ${pct(s.noFaceShare).padStart(8)} ${f(s.falsePositivesPerPhoto).padStart(8)} ${f(s.model.mae).padStart(6)} ${signed(s.model.meanSignedError).padStart(7)} ` +
        `${pct(s.model.cs5).padStart(6)} ${pct(s.model.intervalCoverage).padStart(6)} ${f(s.cleanMaeSameFaces?.model).padStart(6)} | ${f(s.reference?.mae).padStart(7)} ${signed(s.reference?.meanSignedError).padStart(7)} ${f(s.cleanMaeSameFaces?.reference).padStart(6)}`,
    );
  }
  lines.push('clean* = MAE on the clean photos of the faces this condition found; cover = share of true ages inside the 80% interval');
  lines.push('', 'signed error by decade (model / face-api), + = guesses too old:');
  lines.push(`${'condition'.padEnd(12)} ${AGE_BANDS.map((b) => b.padStart(13)).join(' ')}`);
  for (const s of r.summaries) lines.push(`${s.condition.padEnd(12)} ${AGE_BANDS.map((b) => decadeCell(s, b).padStart(13)).join(' ')}`);
  lines.push(`${'faces'.padEnd(12)} ${AGE_BANDS.map((b) => String(r.summaries[0]?.model.byBand[b]?.n ?? 0).padStart(13)).join(' ')}`);
  lines.push('', ...summaryLines(r), '');
  return lines.join('\n');
}

function decadeCell(s: ConditionSummary, band: string): string {
  const ours = s.model.byBand[band];
  const ref = s.reference?.byBand[band];
  if (!ours || ours.n === 0) return '-';
  return `${signed(ours.meanSignedError, 1)} / ${signed(ref?.meanSignedError, 1)}`;
}

function markdown(r: Report): string {
  const lines = ['## Robustness: ages in photos', ''];
  lines.push(
    `Measured by \`npm run bench:robust${commandOptions(r)}\` on ${r.date.slice(0, 10)}: ${r.faces} of the ${r.splitFaces} faces of the ` +
      `UTKFace ${r.split} split (seed 1, the model card's; an evenly spread sample), each pasted with a soft edge into a generated ${'640x480'} scene ` +
      `(value-noise texture and blocks, drawn from the face's name and --seed ${r.seed}) and run through photo mode (\`createAgeEstimator\`, as \`howold predict\`). ` +
      `Face size = side of the pasted 200 px UTKFace crop (its 68-landmark box is ~0.9 of it); every condition but size-* uses 128 px. ` +
      `Model ${r.modelName} (\`${r.model}\`). ${r.cpu}, one core, wall time ${(r.wallSeconds / 60).toFixed(1)} min (process CPU time ${(r.cpuSeconds / 60).toFixed(1)} min; load average ${r.loadAtStart.toFixed(1)} at the start).`,
  );
  lines.push('');
  lines.push('| condition | no face | MAE | signed error | face-api MAE | face-api signed | clean MAE, same faces (ours / face-api) |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const s of r.summaries) {
    const worse = s.reference && s.model.mae > s.reference.mae;
    lines.push(
      `| ${s.condition} | ${pct(s.noFaceShare)} | ${worse ? `**${f(s.model.mae)}**` : f(s.model.mae)} | ${signed(s.model.meanSignedError)} | ${f(s.reference?.mae)} | ${signed(s.reference?.meanSignedError)} | ` +
        `${s.cleanMaeSameFaces ? `${f(s.cleanMaeSameFaces.model)} / ${f(s.cleanMaeSameFaces.reference)}` : '-'} |`,
    );
  }
  const s = r.summary;
  lines.push(
    `| **mean over conditions / clean** | | **${f(s.ratio, 3)}** (${f(s.meanMae)} / ${f(s.cleanMae)}; target <= 1.15) | | ${s.reference ? `${f(s.reference.ratio, 3)} (${f(s.reference.meanMae)} / ${f(s.reference.cleanMae)})` : '-'} | | |`,
  );
  lines.push('');
  lines.push(`Bold: MAE above face-api's on the same faces (${s.worseThanReference.length ? s.worseThanReference.join(', ') : 'none'}). MAE is over the faces found in that condition.`);
  lines.push('');
  lines.push('Signed error by decade, ours / face-api (+ = guesses too old):');
  lines.push('');
  lines.push(`| condition | ${AGE_BANDS.join(' | ')} |`);
  lines.push(`|---|${AGE_BANDS.map(() => '---').join('|')}|`);
  for (const c of r.summaries) lines.push(`| ${c.condition} | ${AGE_BANDS.map((b) => decadeCell(c, b)).join(' | ')} |`);
  lines.push(`| faces (clean) | ${AGE_BANDS.map((b) => String(r.summaries.find((c) => c.condition === 'clean')?.model.byBand[b]?.n ?? '-')).join(' | ')} |`);
  lines.push('');
  const c = r.consistency;
  lines.push(
    `Crop mode vs photo mode, same faces: the 200 px crop in crop mode (as \`howold eval\` on UTKFace) against the same crop pasted at 200 px into the scene in photo mode, ` +
      `${c.n} faces found by both (${c.onlyCrop} only in crop mode, ${c.onlyPhoto} only in photo mode): mean |photo − crop| **${f(c.meanAbsDifference)}** years, ` +
      `mean photo − crop ${signed(c.meanSignedDifference)}, largest ${f(c.maxAbsDifference, 1)}; MAE ${f(c.cropMae)} (crop) vs ${f(c.photoMae)} (photo).`,
  );
  lines.push('');
  lines.push(`Reference line: ${r.reference}`);
  lines.push('');
  return lines.join('\n');
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:robust: ${errorMessage(err)}\n`);
  process.exitCode = 1;
}
