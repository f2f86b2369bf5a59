import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FACE_ALIGNS, HowoldError } from '../../index.js';
import { testSplitManifest } from '../../report/index.js';
import { Command, Option } from 'commander';
import { parseIntegerOption, parseNumberOption } from '../options.js';
import { DATASET_FORMATS, openDataset, readDataset, type DatasetFormat } from '../../data/index.js';
import { splitDataset } from '../../data/index.js';
import { prepareShards, resolveCropSpec, type CropSpec, type PrepareOptions, type PrepareResult } from '../../data/index.js';
import type { QueuedPrepareResult } from '../../queue/index.js';
import { readShardIndex, type ShardIndex } from '../../data/index.js';
import type { FaceSource } from '../../data/index.js';
import type { DetectorMode } from '../../index.js';
import type { CropFill, Preprocessing } from '../../index.js';
import { createProgress } from '../progress.js';
import { CROP_FILLS, DEFAULT_MARGIN, LANDMARK_BOX_MARGIN } from '../../index.js';

interface PrepareFlags {
  format: DatasetFormat;
  out: string;
  size: number;
  margin?: number;
  align: Exclude<Preprocessing['align'], 'none'>;
  fill?: CropFill;
  faces: FaceSource;
  fallbackWhole: boolean;
  detector?: DetectorMode;
  seed: number;
  shardSize: number;
  workers?: number;
  minFaceScore?: number;
  queue?: string;
}

export function formatIndex(index: ShardIndex): string {
  const lines = [
    `${index.count} faces in ${index.shards} shards (${index.complete ? 'complete' : 'INCOMPLETE: rerun prepare to finish'}), ${index.size}x${index.size}, faces from ${index.preprocessing.faceSource}${index.preprocessing.detectorMode ? ` (${index.preprocessing.detectorMode} mode)` : ''}, margin ${index.preprocessing.margin}`,
    `splits: train ${index.splits.train}, val ${index.splits.val}, test ${index.splits.test} (seed ${index.seed})`,
    'ages by decade:',
  ];
  const bands = Object.keys(index.ageHistogram).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const most = Math.max(1, ...Object.values(index.ageHistogram));
  for (const band of bands) {
    const n = index.ageHistogram[band]!;
    lines.push(`  ${band.padEnd(6)} ${String(n).padStart(7)} ${'#'.repeat(Math.round((40 * n) / most))}`);
  }
  const rejects = Object.entries(index.rejects);
  const total = rejects.reduce((a, [, n]) => a + n, 0);
  lines.push(total ? `rejects: ${total} (${rejects.map(([r, n]) => `${r} ${n}`).join(', ')})` : 'rejects: none');
  return lines.join('\n');
}

export function register(program: Command): void {
  const data = program.command('data').description('prepare and inspect datasets of labelled faces');

  data
    .command('prepare')
    .description('decode, detect, align and crop a labelled dataset into binary shards (resumable: rerun to finish)')
    .argument('<source>', 'dataset folder, imdb.mat / wiki.mat, or a CSV/JSONL manifest')
    .addOption(new Option('--format <format>', 'dataset format').choices([...DATASET_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output folder for the shards')
    .option('--size <n>', 'side of the square crops, pixels', (v) => parseIntegerOption(v, '--size', 16, 512), 112)
    .addOption(
      new Option('--align <frame>', "frame of detected faces: 'eyes' (UTKFace's framing), 'landmarks' (the 68-landmark box, turned with the eyes), 'faceapi' (that box as face-api.js cuts it: not turned, black where it leaves the image or the square) or 'faceapi-level' (the same, turned so the eyes are level); see image/align.ts")
        .choices(FACE_ALIGNS.filter((a) => a !== 'none'))
        .default('eyes'),
    )
    .addOption(
      new Option('--fill <how>', "what a crop shows past the image's edge: 'edge' (edge pixels repeated) or 'reflect' (the image mirrored, as a photo's surroundings would go on); see image/align.ts")
        .choices([...CROP_FILLS])
        .default('edge'),
    )
    .option('--margin <x>', `crop side as a multiple of the face scale (default ${DEFAULT_MARGIN}; with --align landmarks, of the landmark box: ${LANDMARK_BOX_MARGIN})`, (v) => parseNumberOption(v, '--margin', 0.5, 5))
    .addOption(
      new Option('--faces <source>', "where faces come from: 'detect' (detect and align), 'box' (the dataset's face box), 'aligned' (images already are aligned crops)")
        .choices(['detect', 'box', 'aligned'])
        .default('detect'),
    )
    .addOption(
      new Option(
        '--detector <mode>',
        "with --faces detect: 'photo' (any photo) or 'crop' (images are tight face crops: ~50x faster). Default: crop for utkface, and where a face fills nearly every one of 12 sampled images; photo otherwise",
      ).choices(['photo', 'crop']),
    )
    .option('--fallback-whole', 'with --faces detect: when no face is found, use the whole image instead of rejecting it', false)
    .option('--seed <n>', 'seed of the train/val/test split', (v) => parseIntegerOption(v, '--seed', 0), 1)
    .option('--shard-size <n>', 'input rows per shard', (v) => parseIntegerOption(v, '--shard-size', 1, 100_000), 1000)
    .option('--workers <n>', 'worker threads (default: one per core)', (v) => parseIntegerOption(v, '--workers', 1, 64))
    .option('--min-face-score <x>', 'IMDB-WIKI .mat: lowest accepted face_score', (v) => parseNumberOption(v, '--min-face-score'))
    .option('--queue <url>', 'enqueue the shards as jobs on this Redis (redis://HOST:PORT) for `howold worker`s on any machines, and wait for them')
    .action(async (given: string, flags: PrepareFlags) => {
      const started = Date.now();
      // queue workers run elsewhere: they get absolute paths
      const source = flags.queue ? resolve(given) : given;
      const reader = openDataset(source, flags.format, flags.minFaceScore === undefined ? {} : { minFaceScore: flags.minFaceScore });
      const read = await readDataset(reader);
      // a row labelled only by its age group would train on the group's middle as if it were the age
      const rows = read.rows.filter((row) => !row.ageGroup);
      const groupOnly = read.rows.length - rows.length;
      const rejects = groupOnly ? { ...read.rejects, total: read.rejects.total + groupOnly, byReason: { ...read.rejects.byReason, age_group_only: groupOnly } } : read.rejects;
      if (groupOnly) process.stderr.write(`howold data prepare: ${groupOnly} rows give an age group, not an age: rejected (age_group_only; use them with howold eval)\n`);
      if (groupOnly && rows.length === 0) throw new HowoldError('no_ages', 'no rows with an age to prepare (the labels give only age groups)', source);
      const split = splitDataset(rows, { seed: flags.seed });
      const withSplits = rows.map((row) => ({ ...row, split: split.splitOf(row.path)! }));
      process.stderr.write(`${rows.length} labelled rows from ${source} (${rejects.total} rejected by the reader)\n`);
      const progress = createProgress(rows.length, 'prepare');
      const run = (o: PrepareOptions): Promise<PrepareResult & Partial<Pick<QueuedPrepareResult, 'queue' | 'failedShards'>>> =>
        flags.queue
          ? // BullMQ and its Redis client load only for --queue
            import('../../queue/index.js').then(({ submitPrepare }) => submitPrepare(withSplits, { ...o, url: flags.queue! }))
          : prepareShards(withSplits, o);
      const asked: CropSpec = { size: flags.size, margin: flags.margin ?? (flags.align === 'eyes' ? DEFAULT_MARGIN : LANDMARK_BOX_MARGIN), align: flags.align, fill: flags.fill, source: flags.faces, fallbackToWhole: flags.fallbackWhole, ...(flags.detector ? { detectorMode: flags.detector } : {}) };
      const { spec, detector } = await resolveCropSpec(withSplits, { spec: asked, format: flags.format });
      if (detector) process.stderr.write(`detector: ${detector.mode} mode (${detector.reason})\n`);
      const result = await run({
        out: resolve(flags.out),
        format: flags.format,
        source: resolve(source),
        spec,
        seed: flags.seed,
        shardSize: flags.shardSize,
        workers: flags.workers,
        readerRejects: rejects.byReason,
        onProgress: (done) => progress.update(done),
      });
      progress.stop();
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`${formatIndex(result.index)}\n`);
      if (result.queue) {
        const { formatSubmitSummary } = await import('../../queue/index.js');
        process.stdout.write(`${formatSubmitSummary(result.queue)}\n`);
        for (const f of result.failedShards ?? []) process.stderr.write(`howold data prepare: shard ${f.shard} failed: ${f.reason}\n`);
      }
      process.stdout.write(
        `processed ${result.processedRows} rows in ${seconds.toFixed(1)} s (${(result.processedRows / seconds).toFixed(1)} faces/s), ${result.skippedShards} finished shards skipped\n`,
      );
      if (!result.index.complete) process.exitCode = 1;
    });

  data
    .command('test-split')
    .description("write the held-out test split of prepared shards as a JSON Lines manifest (path, age, gender), for `howold eval FILE --labels csv`")
    .argument('<dir>', 'shard folder written by `howold data prepare`')
    .requiredOption('--out <dir>', 'folder for test-split.jsonl (val-split.jsonl with --split val)')
    .addOption(new Option('--split <name>', "which split: 'test', or 'val' (for `howold calibrate`)").choices(['test', 'val']).default('test'))
    .action(async (dir: string, flags: { out: string; split: 'test' | 'val' }) => {
      await mkdir(flags.out, { recursive: true });
      const split = await testSplitManifest(dir, flags.out, process.cwd(), flags.split);
      if (!split) throw new HowoldError('no_test_split', `no ${flags.split} faces in these shards`, dir);
      process.stdout.write(`${split.count} ${flags.split} faces (${split.format}) written to ${split.file}\n`);
    });

  data
    .command('inspect')
    .description('counts, age histogram by decade and rejects of a prepared shard folder')
    .argument('<dir>', 'shard folder written by `howold data prepare`')
    .option('--json', 'print the index as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const index = await readShardIndex(dir);
      process.stdout.write(flags.json ? `${JSON.stringify(index, null, 2)}\n` : `${formatIndex(index)}\n`);
    });
}
