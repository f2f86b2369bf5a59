// `howold data prepare ... --queue URL`: the dataset's chunks of rows become queue jobs (one per shard); the
// workers write the shards; this side follows them and writes index.json once all are done.
import { resolve } from 'node:path';
import { chunkRows, indexBase, resolveCropSpec, type PrepareOptions, type PrepareResult } from '../data/prepare.js';
import type { PrepareRow } from '../data/prepare-rows.js';
import { writeIndex } from '../data/shards.js';
import { hashFiles, prepareJobId, type PrepareJobData, type PrepareJobResult } from './jobs.js';
import { submitJobs, type QueuedJob, type SubmitSummary } from './submit.js';

export interface QueuedPrepareResult extends PrepareResult {
  queue: SubmitSummary;
  /** Shards whose job failed every attempt (the index is then incomplete). */
  failedShards: { shard: number; reason: string }[];
}

/** The jobs of a prepare run: chunk i of the rows is shard i, as in the in-process path. */
export async function prepareJobs(rows: PrepareRow[], options: Pick<PrepareOptions, 'out' | 'spec' | 'shardSize'>): Promise<QueuedJob<PrepareJobData>[]> {
  const out = resolve(options.out);
  const chunks = chunkRows(rows, options.shardSize ?? 1000);
  const jobs: QueuedJob<PrepareJobData>[] = [];
  for (const [shard, chunk] of chunks.entries()) {
    // an unreadable file stays in its job (the worker rejects it, as the in-process path would)
    const hashes = (await hashFiles(chunk.map((r) => r.path))).map((h) => (h instanceof Error ? `unreadable` : h));
    const data: PrepareJobData = { kind: 'prepare', out, shard, spec: options.spec, rows: chunk };
    jobs.push({ id: prepareJobId(data, hashes), data, size: chunk.length });
  }
  return jobs;
}

export async function submitPrepare(rows: PrepareRow[], given: PrepareOptions & { url: string }): Promise<QueuedPrepareResult> {
  // the detector mode is settled here, once, not by each worker
  const { spec, detector } = await resolveCropSpec(rows, given);
  const options = { ...given, spec };
  const jobs = await prepareJobs(rows, options);
  const failedShards: QueuedPrepareResult['failedShards'] = [];
  let processedRows = 0;
  const queue = await submitJobs<PrepareJobData, PrepareJobResult>(jobs, {
    url: options.url,
    onProgress: options.onProgress,
    onResult: (i) => {
      processedRows += jobs[i]!.size;
    },
    onFailed: (i, reason) => {
      failedShards.push({ shard: jobs[i]!.data.shard, reason });
    },
  });
  const index = await writeIndex(resolve(options.out), indexBase(options), jobs.length, options.readerRejects);
  return { index, skippedShards: queue.alreadyDone, processedRows, queue, failedShards, ...(detector ? { detector } : {}) };
}
