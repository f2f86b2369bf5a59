// The submitting side of the queue: add jobs (idempotently), follow them across any number of workers, and
// hand their results back in job order.
import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import { HowoldError, errorMessage } from '../core/errors.js';
import { QUEUE_NAME, openRedis } from './connection.js';
import { mapLimit, type JobData, type JobProgress } from './jobs.js';

export interface QueuedJob<D extends JobData> {
  id: string;
  data: D;
  /** Input rows or photos in the job, for progress. */
  size: number;
}

export interface SubmitOptions<R> {
  url: string;
  /** Called with (inputs done, inputs total) as workers report progress, across all of them. */
  onProgress?: (done: number, total: number) => void;
  /** Each finished job's result, called in job order (not in the order the workers finish them). */
  onResult: (index: number, result: R) => void | Promise<void>;
  /** A job that failed every attempt: called in job order too, in place of onResult. */
  onFailed: (index: number, reason: string) => void | Promise<void>;
  /** Tries per job before it counts as failed (a stalled job, whose worker died, is retried without using one). */
  attempts?: number;
  /** How often the submitter checks the jobs' states, besides listening to their events. */
  pollMs?: number;
}

export interface SubmitSummary {
  jobs: number;
  /** Jobs added by this submission (the others existed: done, queued or running from an earlier one). */
  added: number;
  /** Jobs already completed before this submission: their results were reused, nothing ran. */
  alreadyDone: number;
  /** Jobs that had failed before and were sent back to the queue. */
  retried: number;
  failed: number;
}

/** The summary line the submitting commands print. */
export function formatSubmitSummary(q: SubmitSummary): string {
  return `queue: ${q.jobs} jobs, ${q.added} added, ${q.alreadyDone} already done, ${q.retried} retried, ${q.failed} failed`;
}

const ADD_BATCH = 500;

export const JOB_OPTIONS: JobsOptions = {
  backoff: { type: 'exponential', delay: 1000 },
  // finished jobs stay, so that resubmitting finds them done (clearing them is the operator's: BullMQ's queue.clean)
  removeOnComplete: false,
  removeOnFail: false,
};

/** Adds jobs in batches under their own ids, as every submission does (an id already there is left alone). */
export async function addJobs(queue: Queue, jobs: QueuedJob<JobData>[], attempts: number): Promise<number> {
  for (let i = 0; i < jobs.length; i += ADD_BATCH) {
    const chunk = jobs.slice(i, i + ADD_BATCH);
    await queue.addBulk(chunk.map((job) => ({ name: job.data.kind, data: job.data, opts: { ...JOB_OPTIONS, attempts, jobId: job.id } })));
  }
  return jobs.length;
}

/** Submits `jobs` and resolves when every one has completed or failed for good. */
export async function submitJobs<D extends JobData, R>(jobs: QueuedJob<D>[], options: SubmitOptions<R>): Promise<SubmitSummary> {
  const clients = [await openRedis(options.url)];
  clients.push(await openRedis(options.url).catch((err) => (clients[0]!.disconnect(), Promise.reject(err))));
  const queue = new Queue(QUEUE_NAME, { connection: clients[0]! });
  const events = new QueueEvents(QUEUE_NAME, { connection: clients[1]! });
  let connectionError: unknown;
  queue.on('error', (err) => (connectionError = err));
  events.on('error', (err) => (connectionError = err));
  const summary: SubmitSummary = { jobs: jobs.length, added: 0, alreadyDone: 0, retried: 0, failed: 0 };
  const total = jobs.reduce((n, j) => n + j.size, 0);
  const indexOf = new Map(jobs.map((job, i) => [job.id, i]));
  if (indexOf.size !== jobs.length) throw new Error('submitJobs: two jobs have the same id');
  const outstanding = new Set(jobs.map((j) => j.id));
  const progressOf = new Map<string, number>();
  let finishedInputs = 0;
  const reportProgress = () => {
    let running = 0;
    for (const n of progressOf.values()) running += n;
    options.onProgress?.(finishedInputs + running, total);
  };

  // results arrive in any order and are handed on in job order
  const finished = new Map<number, { result: R } | { failed: string }>();
  let nextToEmit = 0;
  let emitting = Promise.resolve();
  const emit = () => {
    emitting = emitting.then(async () => {
      while (finished.has(nextToEmit)) {
        const item = finished.get(nextToEmit)!;
        finished.delete(nextToEmit);
        if ('result' in item) await options.onResult(nextToEmit, item.result);
        else await options.onFailed(nextToEmit, item.failed);
        nextToEmit += 1;
      }
    });
  };
  // the poll's wait ends early when the last job settles (else up to pollMs would be added to every run)
  let wake: (() => void) | undefined;
  const settle = (id: string, item: { result: R } | { failed: string }) => {
    if (!outstanding.delete(id)) return;
    if (outstanding.size === 0) wake?.();
    const index = indexOf.get(id)!;
    progressOf.delete(id);
    finishedInputs += jobs[index]!.size;
    if ('failed' in item) summary.failed += 1;
    finished.set(index, item);
    reportProgress();
    emit();
  };

  /** Looks at one job in Redis and settles it if it is done. Returns its state. */
  const check = async (id: string): Promise<string> => {
    const state = await queue.getJobState(id);
    if (state === 'completed' || state === 'failed') {
      const job = await queue.getJob(id);
      if (!job) return 'unknown';
      if (state === 'completed') settle(id, { result: job.returnvalue as R });
      else settle(id, { failed: job.failedReason || 'failed' });
    }
    return state;
  };

  try {
    await queue.waitUntilReady();
    await events.waitUntilReady();
    events.on('progress', ({ jobId, data }) => {
      if (!outstanding.has(jobId)) return;
      const done = typeof data === 'object' && data !== null ? (data as unknown as JobProgress).done : undefined;
      if (typeof done === 'number') {
        progressOf.set(jobId, done);
        reportProgress();
      }
    });
    const onFinished = ({ jobId }: { jobId: string }) => {
      if (outstanding.has(jobId)) void check(jobId).catch((err) => (connectionError = err));
    };
    events.on('completed', onFinished);
    events.on('failed', onFinished);

    // what is already there: done (reused), failed (sent back to the queue), or queued/running (left alone)
    const states = await mapLimit(jobs, 32, async (job) => ({ job, state: await queue.getJobState(job.id) }));
    const toAdd: QueuedJob<D>[] = [];
    for (const { job, state } of states) {
      if (state === 'completed') {
        summary.alreadyDone += 1;
        await check(job.id);
      } else if (state === 'failed') {
        await (await queue.getJob(job.id))?.retry('failed');
        summary.retried += 1;
      } else if (state === 'unknown') toAdd.push(job);
    }
    summary.added += await addJobs(queue, toAdd, options.attempts ?? 3);
    reportProgress();

    const pollMs = options.pollMs ?? 2000;
    while (outstanding.size > 0) {
      if (connectionError) throw new HowoldError('queue_error', `Redis at ${options.url}: ${errorMessage(connectionError)}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, pollMs);
        wake = () => (clearTimeout(timer), r());
      });
      wake = undefined;
      await mapLimit([...outstanding], 32, check);
    }
    emit();
    await emitting;
    return summary;
  } finally {
    await events.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    for (const client of clients) client.disconnect();
  }
}
