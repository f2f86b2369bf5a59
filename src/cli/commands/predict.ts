// howold predict <files|dirs|globs...> [--json|--csv] [--annotate OUTDIR] [--model PATH] [--batch N]
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { Option, type Command } from 'commander';
import { parseChoiceOption, parseIntegerOption, parseNumberOption } from '../options.js';
import { csvField } from '../../report/index.js';
import { printable, uniqueName, writeEngineNote, type Output } from '../output.js';
import {
  createAgeEstimator,
  errorMessage,
  FACE_DETECTORS,
  faceToJson,
  underJson,
  type AgeEstimator,
  type EstimateResult,
  type FaceDetectorName,
  type FaceJson,
  type HowoldErrorCode,
} from '../../index.js';
import { annotatePhoto } from '../annotate.js';
import { createProgress, type Progress } from '../progress.js';
import { openLines } from '../lines.js';
import { walkFiles } from '../../data/index.js';
import type { SubmitSummary } from '../../queue/index.js';

export interface PredictFlags {
  json?: boolean;
  csv?: boolean;
  annotate?: string;
  model?: string;
  /** Photos per model call. */
  batch?: number;
  distribution?: boolean;
  /** false: no progress bar (it is shown on stderr for more than one file otherwise). */
  progress?: boolean;
  /** Exit code 1 when any file fails (default: only when none worked). */
  strict?: boolean;
  /** Write one JSON line per file here (written whole, then renamed into place) instead of printing. */
  out?: string;
  /** Run on the queue at this Redis URL (`howold worker`s do the work) instead of in this process. */
  queue?: string;
  /** With `queue`: photos per job. */
  jobSize?: number;
  /** Add P(age < this many years) to every face. */
  under?: number;
  /** Lowest detector score kept (default: the detector's, 0.5). */
  minScore?: number;
  /** Photo mode's detector (default 'ssd'). */
  faceDetector?: FaceDetectorName;
}

export type { Output };

export interface PredictSummary {
  files: number;
  ok: number;
  failed: number;
  faces: number;
  /** Failed files by reason code ('not_an_image', 'corrupt', 'not_found', ...). */
  errors: Record<string, number>;
  seconds: number;
}

export interface FileEntry {
  file: string;
  width?: number;
  height?: number;
  faces?: FaceJson[];
  annotated?: string;
  error?: { code: HowoldErrorCode; message: string };
}

export const DEFAULT_BATCH = 4;
const IMAGE_EXTENSION = /\.(jpe?g|png|webp)$/i;

/**
 * Files named on the command line are taken as they are; folders (recursively, each real file once however
 * symbolic links loop) and glob patterns expand to JPEG, PNG and WebP files, sorted. An input matching nothing is
 * returned in `missing`; a subfolder that cannot be read in `unreadable` (the rest of its folder is still taken).
 */
export async function expandInputs(inputs: string[]): Promise<{ files: string[]; missing: string[]; unreadable: FileEntry[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const unreadable: FileEntry[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = path.resolve(file);
    if (!seen.has(key)) {
      seen.add(key);
      files.push(file);
    }
  };
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    let found: string[];
    // anything else that exists (a FIFO, a device) is refused by name when it is read
    if (info && !info.isDirectory()) found = [input];
    else if (info?.isDirectory()) {
      const onError = (folder: string, e: Error) =>
        unreadable.push({ file: folder, error: { code: 'unreadable', message: `${folder}: cannot read the folder (${errorMessage(e)}); skipped` } });
      const rels: string[] = [];
      for await (const file of walkFiles(input, { onError })) {
        const rel = path.relative(input, file);
        if (IMAGE_EXTENSION.test(rel) && !rel.split(path.sep).some((part) => part.startsWith('.'))) rels.push(rel);
      }
      found = rels.sort().map((rel) => path.join(input, rel));
    } else if (fg.isDynamicPattern(input)) {
      const matched = await fg(input, { onlyFiles: true, dot: false, followSymbolicLinks: false });
      found = matched.filter((f) => IMAGE_EXTENSION.test(f)).sort();
    } else found = [];
    if (found.length === 0) missing.push(input);
    found.forEach(add);
  }
  return { files, missing, unreadable };
}

const CSV_HEADER = 'file,face,x,y,width,height,age,low,high,gender,gender_probability,score';


function csvHeader(under?: number): string {
  return under === undefined ? CSV_HEADER : `${CSV_HEADER},p_under_${under}`;
}

function csvRows(entry: FileEntry): string {
  return (entry.faces ?? [])
    .map((f, i) => {
      const cells = [csvField(entry.file), i + 1, f.box.x, f.box.y, f.box.width, f.box.height, f.age, f.low, f.high, f.gender?.label ?? '', f.gender?.probability ?? '', f.score];
      if (f.under) cells.push(f.under.probability);
      return cells.join(',') + '\n';
    })
    .join('');
}

function textLines(entry: FileEntry): string {
  const faces = entry.faces ?? [];
  const file = printable(entry.file);
  if (faces.length === 0) return `${file}\tno faces\n`;
  return faces
    .map((f, i) => {
      const b = f.box;
      const gender = f.gender ? `\t${f.gender.label} ${f.gender.probability.toFixed(2)}` : '';
      const under = f.under ? `\tP(under ${f.under.years}) ${f.under.probability.toFixed(3)}` : '';
      return `${file}\tface ${i + 1}\tbox ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}` +
        `\tage ${f.age.toFixed(1)}\t(${f.low.toFixed(0)}-${f.high.toFixed(0)})${gender}${under}\n`;
    })
    .join('');
}

export function formatSummary(s: PredictSummary): string {
  const reasons = Object.entries(s.errors).map(([code, n]) => `${code} ${n}`).join(', ');
  const files = `${s.files} file${s.files === 1 ? '' : 's'}`;
  return `${files}: ${s.ok} ok, ${s.failed} failed${reasons ? ` (${reasons})` : ''}; ${s.faces} face${s.faces === 1 ? '' : 's'}; ${s.seconds.toFixed(1)} s`;
}


/**
 * Predicts the age of every face in the inputs, `flags.batch` photos per model call; at most two batches are in
 * memory at a time (the next one is estimated while the previous one is written and annotated). Bad files get
 * one line on `err` naming them and the reason, and are counted; they never stop the run.
 */
export async function runPredict(
  inputs: string[],
  flags: PredictFlags = {},
  out: Output = process.stdout,
  err: Output = process.stderr,
  estimator?: AgeEstimator,
): Promise<PredictSummary> {
  const started = Date.now();
  const batchSize = flags.batch ?? DEFAULT_BATCH;
  const { files, missing, unreadable } = await expandInputs(inputs);
  const summary: PredictSummary = { files: files.length + missing.length + unreadable.length, ok: 0, failed: 0, faces: 0, errors: {}, seconds: 0 };
  const model = flags.model ?? process.env.HOWOLD_MODEL;
  const detect = {
    ...(flags.minScore === undefined ? {} : { minScore: flags.minScore }),
    ...(flags.faceDetector === undefined ? {} : { faceDetector: flags.faceDetector }),
  };
  const estimate = flags.queue ? undefined : (estimator ?? (await createAgeEstimator(model ? { model } : {})));
  writeEngineNote(err, 'predict', estimate);
  if (flags.annotate) await mkdir(flags.annotate, { recursive: true });

  let progress: Progress | undefined;
  const tty = err === process.stderr && process.stderr.isTTY;
  const report = (entry: FileEntry) => {
    if (!entry.error) return;
    summary.failed += 1;
    summary.errors[entry.error.code] = (summary.errors[entry.error.code] ?? 0) + 1;
    const message = entry.error.message.startsWith(entry.file) ? entry.error.message : `${entry.file}: ${entry.error.message}`;
    err.write(`${tty ? '\r\x1b[2K' : ''}howold predict: ${printable(message)}\n`);
  };

  let firstEntry = true;
  const lines = flags.out ? await openLines(flags.out) : undefined;
  const emit = (entry: FileEntry) => {
    if (lines) lines.write(entry);
    else if (flags.json) {
      out.write(`${firstEntry ? '' : ',\n'}${JSON.stringify(entry)}`);
      firstEntry = false;
    } else if (!entry.error) out.write(flags.csv ? csvRows(entry) : textLines(entry));
  };

  if (flags.json) out.write('{"files": [\n');
  else if (flags.csv) out.write(`${csvHeader(flags.under)}\n`);

  // cli-progress's gracefulExit swallows the first Ctrl-C and leaves the cursor hidden: stop the bar, then let
  // the signal do what it would have done
  const onSignal = (signal: NodeJS.Signals) => {
    progress?.stop();
    process.kill(process.pid, signal);
  };
  const usedNames = new Set<string>();
  let pending: Promise<EstimateResult[]> | undefined;
  let queueSummary: SubmitSummary | undefined;
  try {
    for (const file of missing) {
      const entry: FileEntry = { file, error: { code: 'not_found', message: `${file}: no such file, folder or matching image` } };
      report(entry);
      emit(entry);
    }
    for (const entry of unreadable) {
      report(entry);
      emit(entry);
    }
    if (files.length > 1 && flags.progress !== false) {
      progress = createProgress(files.length, 'progress');
      if (tty) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
    }
    const finish = async (entry: FileEntry) => {
      if (entry.error) report(entry);
      else {
        summary.ok += 1;
        summary.faces += entry.faces?.length ?? 0;
        if (flags.annotate) {
          try {
            const drawn = await annotatePhoto(entry.file, entry.faces ?? []);
            const target = path.join(flags.annotate, uniqueName(usedNames, entry.file));
            await writeFile(target, drawn.data);
            entry.annotated = target;
          } catch (e) {
            err.write(`howold predict: ${printable(entry.file)}: cannot write the annotated photo (${printable(errorMessage(e))})\n`);
          }
        }
      }
      emit(entry);
    };
    const queuedFace = (face: FaceJson): FaceJson => {
      if (flags.under === undefined || !face.distribution) return face;
      const { distribution, ...rest } = face;
      const withUnder: FaceJson = { ...rest, under: underJson(distribution, flags.under) };
      return flags.distribution ? { ...withUnder, distribution } : withUnder;
    };
    if (flags.queue) {
      // loaded only for --queue: BullMQ and its Redis client are not needed by an in-process run
      const { submitPredict } = await import('../../queue/index.js');
      const queued = await submitPredict(
        files,
        // P(under) needs the distribution: the workers send it, and it is dropped here unless asked for
        { url: flags.queue, model, batch: batchSize, jobSize: flags.jobSize, distribution: flags.distribution || flags.under !== undefined, detect, onProgress: (done) => progress?.update(done) },
        (file, result) => finish('error' in result ? { file, error: result.error } : { file, width: result.width, height: result.height, faces: result.faces.map(queuedFace) }),
      );
      queueSummary = queued;
    } else {
      const batches: string[][] = [];
      for (let i = 0; i < files.length; i += batchSize) batches.push(files.slice(i, i + batchSize));
      const run = (batch: string[]) => estimate!(batch, detect);
      pending = batches.length > 0 ? run(batches[0]!) : undefined;
      let done = 0;
      for (let b = 0; b < batches.length; b++) {
        const batch = batches[b]!;
        const results = await pending!;
        pending = b + 1 < batches.length ? run(batches[b + 1]!) : undefined;
        for (const [i, result] of results.entries()) {
          const file = batch[i]!;
          if (result.error) await finish({ file, error: { code: result.error.code, message: errorMessage(result.error) } });
          else {
            const faces = result.faces.map((f) => faceToJson(f, { distribution: flags.distribution, under: flags.under }));
            await finish({ file, width: result.width, height: result.height, faces });
          }
        }
        done += batch.length;
        progress?.update(done);
      }
    }
    await lines?.commit();
  } finally {
    pending?.catch(() => {});
    progress?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await lines?.abandon();
    if (!estimator) await estimate?.dispose();
  }
  summary.seconds = (Date.now() - started) / 1000;
  if (queueSummary) {
    const { formatSubmitSummary } = await import('../../queue/index.js');
    err.write(`howold predict: ${formatSubmitSummary(queueSummary)}\n`);
  }
  if (flags.json) out.write(`${firstEntry ? '' : '\n'}],\n"summary": ${JSON.stringify(summary)}}\n`);
  else err.write(`howold predict: ${formatSummary(summary)}\n`);
  return summary;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('the age of every face in photos, folders or globs: one line per face (or --json, --csv); --annotate draws them')
    .argument('<inputs...>', 'JPEG, PNG or WebP files, folders (searched recursively for images) or glob patterns (quote them)')
    .addOption(new Option('--json', 'print one JSON document: {"files": [{file, width, height, faces: [...], error?}], "summary": {...}}').conflicts('csv'))
    .option('--csv', 'print CSV: a header, then one row per face')
    .option('--annotate <outdir>', 'write each photo into this folder with the boxes and ages drawn on it')
    .option('--model <path>', 'model folder (default: $HOWOLD_MODEL, else the shipped models/default)')
    .option('--batch <n>', 'photos per model call', (v) => parseIntegerOption(v, '--batch', 1, 64), DEFAULT_BATCH)
    .option('--min-score <x>', 'lowest face detector score kept, 0..1 (default 0.5; lower finds more faces and more mistakes)', (v) => parseNumberOption(v, '--min-score', 0, 1))
    .option('--face-detector <name>', "'ssd' (default): SSD-MobileNetV1, with a padded pass when needed; 'tiny': TinyFaceDetector, faster, misses more", (v) => parseChoiceOption(v, '--face-detector', FACE_DETECTORS))
    .option('--distribution', 'with --json: include each face\'s probability of every age 0..100')
    .option('--under <years>', 'add P(age < YEARS) to every face, from its age distribution (e.g. 18)', (v) => parseNumberOption(v, '--under', 1, 100))
    .option('--no-progress', 'no progress bar on stderr')
    .option('--strict', 'exit with code 1 when any file fails')
    .addOption(new Option('--out <file>', 'write one JSON line per file ({file, width, height, faces} or {file, error}) to this file instead of printing').conflicts(['json', 'csv']))
    .addOption(new Option('--queue <url>', 'run on the queue at this Redis (redis://HOST:PORT): `howold worker`s on any machines do the work').conflicts('annotate'))
    .option('--job-size <n>', 'with --queue: photos per job', (v) => parseIntegerOption(v, '--job-size', 1, 100_000), 64)
    .addHelpText(
      'after',
      '\nBad files (not an image, truncated, unreadable, no match) get one line on stderr each and are counted in the\n' +
        'summary; the run goes on. Exit code: 0 when at least one file was processed (even with failures; see\n' +
        '--strict), 1 when none was or the model could not load.',
    )
    .action(async (inputs: string[], flags: PredictFlags) => {
      const summary = await runPredict(inputs, flags);
      if (summary.ok === 0 || (flags.strict && summary.failed > 0)) process.exitCode = 1;
    });
}
