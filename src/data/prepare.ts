// `howold data prepare`: dataset rows → decoded, detected, aligned crops → shards, on worker threads, resumable.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { startWorker } from '../core/ts-worker.js';
import type { LabelledRow, SplitName } from '../core/types.js';
import { HowoldError } from '../core/errors.js';
import { finishedShards, writeIndex, writeShard, type ShardIndex } from './shards.js';
import type { CropSpec } from './labelled-face.js';
import type { PrepareTask, WorkerMessage } from './prepare-worker.js';
import type { PreparedRows } from './prepare-rows.js';
import { chooseDetectorMode, type DetectorModeChoice } from './detector-mode.js';
import type { DatasetFormat } from './readers/index.js';

export interface PrepareOptions {
  out: string;
  format: string;
  source: string;
  spec: CropSpec;
  seed: number;
  /** Input rows per shard. */
  shardSize?: number;
  workers?: number;
  /** Called as faces finish: (rows done, rows total). */
  onProgress?: (done: number, total: number) => void;
  /** Rejects counted by the dataset reader before any image was opened. */
  readerRejects?: Record<string, number>;
}

export interface PrepareResult {
  index: ShardIndex;
  /** With faces from 'detect': the detector mode used and why. */
  detector?: DetectorModeChoice;
  skippedShards: number;
  processedRows: number;
}

/**
 * Deterministic chunks of the rows: chunk i is always shard i, so resuming never duplicates. Rows are ordered by
 * a hash of their path, not by the path itself: file names often start with the label (UTKFace: '26_0_1_...'),
 * and shards sorted by name would each hold one narrow age range, which a bounded shuffle buffer cannot mix.
 */
export function chunkRows<T extends LabelledRow>(rows: T[], shardSize: number): T[][] {
  const key = (row: T) => createHash('sha1').update(row.path).digest('hex');
  const keyed = rows.map((row) => ({ row, key: key(row) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const sorted = keyed.map((k) => k.row);
  const chunks: T[][] = [];
  for (let i = 0; i < sorted.length; i += shardSize) chunks.push(sorted.slice(i, i + shardSize));
  return chunks;
}

/** What index.json says about how the shards were made (the counts come from the manifests). */
export function indexBase(options: Pick<PrepareOptions, 'source' | 'format' | 'spec' | 'seed'>): Parameters<typeof writeIndex>[1] {
  const { spec } = options;
  return {
    source: options.source,
    format: options.format,
    size: spec.size,
    preprocessing: {
      margin: spec.margin,
      align: spec.source === 'aligned' ? 'none' : spec.align ?? 'eyes',
      ...(spec.source === 'detect' && spec.fill ? { fill: spec.fill } : {}),
      faceSource: spec.source,
      size: spec.size,
      ...(spec.source === 'detect' ? { detectorMode: spec.detectorMode ?? 'photo' } : {}),
    },
    seed: options.seed,
  };
}

/** Rows per task sent to a worker thread: small enough that every thread gets work even from one shard. */
export function taskSize(rows: number, workers: number): number {
  return Math.max(1, Math.min(64, Math.ceil(rows / (workers * 8))));
}

/**
 * The spec with its detector mode settled: the caller's, else chooseDetectorMode's (the format, or a probe of a
 * sample of the images). Both the in-process and the queue path run this, so both crop alike.
 */
export async function resolveCropSpec(rows: readonly LabelledRow[], options: Pick<PrepareOptions, 'spec' | 'format'>): Promise<{ spec: CropSpec; detector?: DetectorModeChoice }> {
  const { spec } = options;
  if (spec.source !== 'detect') return { spec };
  if (spec.detectorMode) return { spec, detector: { mode: spec.detectorMode, reason: 'given' } };
  const detector = await chooseDetectorMode(options.format as DatasetFormat, rows.map((r) => r.path));
  return { spec: { ...spec, detectorMode: detector.mode }, detector };
}

interface Task extends PrepareTask {
  /** Index of this task's first row in its shard. */
  offset: number;
}

/**
 * Prepares the unfinished shards. Each shard's rows go to the worker threads in small tasks (taskSize), so all
 * cores work whatever the number of shards; a shard is written once all its tasks are back, its faces in row order
 * (the same bytes for any number of workers).
 */
export async function prepareShards(rows: (LabelledRow & { split: SplitName })[], options: PrepareOptions): Promise<PrepareResult> {
  const { spec, detector } = await resolveCropSpec(rows, options);
  const shardSize = options.shardSize ?? 1000;
  const chunks = chunkRows(rows, shardSize);
  const finished = await finishedShards(options.out);
  const todo = chunks.map((chunk, shard) => ({ shard, rows: chunk })).filter((t) => !finished.has(t.shard));
  const total = rows.length;
  const todoRows = todo.reduce((n, t) => n + t.rows.length, 0);
  let done = total - todoRows;
  options.onProgress?.(done, total);

  const workerCount = Math.max(1, Math.min(options.workers ?? availableParallelism(), todoRows));
  const size = taskSize(todoRows, workerCount);
  const tasks: Task[] = [];
  const pending = new Map<number, { parts: (PreparedRows | undefined)[]; left: number }>();
  for (const { shard, rows: shardRows } of todo) {
    const parts = Math.ceil(shardRows.length / size);
    pending.set(shard, { parts: new Array(parts), left: parts });
    for (let offset = 0; offset < shardRows.length; offset += size) tasks.push({ task: tasks.length, shard, offset, rows: shardRows.slice(offset, offset + size) });
  }
  const writes: Promise<unknown>[] = [];

  await new Promise<void>((resolve, reject) => {
    let live = workerCount;
    if (tasks.length === 0) return resolve();
    const queue = [...tasks];
    for (let w = 0; w < workerCount; w++) {
      const worker = startWorker(new URL('./prepare-worker.js', import.meta.url), { workerData: { spec } });
      const next = () => {
        const task = queue.shift();
        if (task) worker.postMessage({ task: task.task, shard: task.shard, rows: task.rows } satisfies PrepareTask);
        else void worker.terminate();
      };
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') next();
        else if (msg.type === 'rows') {
          const task = tasks[msg.task]!;
          const shard = pending.get(task.shard)!;
          shard.parts[task.offset / size] = { faces: msg.faces, rejects: msg.rejects };
          shard.left -= 1;
          done += task.rows.length;
          options.onProgress?.(done, total);
          if (shard.left === 0) {
            pending.delete(task.shard);
            const parts = shard.parts as PreparedRows[];
            writes.push(writeShard(options.out, task.shard, spec.size, parts.flatMap((p) => p.faces), parts.flatMap((p) => p.rejects)));
          }
          next();
        } else if (msg.type === 'fatal') {
          reject(new HowoldError('worker_failed', `prepare worker failed: ${msg.message}`));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => reject(err));
      worker.on('exit', () => {
        live -= 1;
        if (live === 0) resolve();
      });
    }
  });
  await Promise.all(writes);

  const index = await writeIndex(options.out, indexBase({ ...options, spec }), chunks.length, options.readerRejects);
  return { index, skippedShards: chunks.length - todo.length, processedRows: todoRows, ...(detector ? { detector } : {}) };
}
