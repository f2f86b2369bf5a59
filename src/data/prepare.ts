// `howold data prepare`: dataset rows → decoded, detected, aligned crops → shards, on worker threads, resumable.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { startWorker } from '../core/ts-worker.js';
import type { LabelledRow, SplitName } from '../core/types.js';
import { HowoldError } from '../core/errors.js';
import { finishedShards, writeIndex, writeShard, type ShardIndex } from './shards.js';
import type { CropSpec } from './labelled-face.js';
import type { PrepareTask, WorkerMessage } from './prepare-worker.js';

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
    preprocessing: { margin: spec.margin, align: spec.source === 'aligned' ? 'none' : spec.align ?? 'eyes', faceSource: spec.source, size: spec.size },
    seed: options.seed,
  };
}

export async function prepareShards(rows: (LabelledRow & { split: SplitName })[], options: PrepareOptions): Promise<PrepareResult> {
  const shardSize = options.shardSize ?? 1000;
  const chunks = chunkRows(rows, shardSize);
  const finished = await finishedShards(options.out);
  const todo = chunks.map((chunk, shard) => ({ shard, rows: chunk })).filter((t) => !finished.has(t.shard));
  const total = rows.length;
  let done = chunks.reduce((n, chunk, shard) => n + (finished.has(shard) ? chunk.length : 0), 0);
  options.onProgress?.(done, total);

  const workerCount = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length));
  const progressOf = new Map<number, number>();
  const queue = [...todo];
  const writes: Promise<unknown>[] = [];

  await new Promise<void>((resolve, reject) => {
    let live = workerCount;
    if (queue.length === 0) return resolve();
    for (let w = 0; w < workerCount; w++) {
      const worker = startWorker(new URL('./prepare-worker.js', import.meta.url), { workerData: { spec: options.spec } });
      const next = () => {
        const task = queue.shift();
        if (task) worker.postMessage(task satisfies PrepareTask);
        else void worker.terminate();
      };
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') next();
        else if (msg.type === 'progress') {
          done += msg.done - (progressOf.get(msg.shard) ?? 0);
          progressOf.set(msg.shard, msg.done);
          options.onProgress?.(done, total);
        } else if (msg.type === 'shard') {
          const chunkLength = chunks[msg.shard]!.length;
          done += chunkLength - (progressOf.get(msg.shard) ?? 0);
          progressOf.delete(msg.shard);
          options.onProgress?.(done, total);
          writes.push(writeShard(options.out, msg.shard, options.spec.size, msg.faces, msg.rejects));
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

  const index = await writeIndex(options.out, indexBase(options), chunks.length, options.readerRejects);
  return { index, skippedShards: chunks.length - todo.length, processedRows: todo.reduce((n, t) => n + t.rows.length, 0) };
}
