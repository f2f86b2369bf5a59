// One queue worker on one thread (see worker.ts): a BullMQ Worker taking one job at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { Worker } from 'bullmq';
import { errorMessage } from '../core/errors.js';
import { QUEUE_NAME, openRedis } from './connection.js';
import { createJobRunner } from './run-job.js';
import type { JobData } from './jobs.js';

export interface WorkerThreadData {
  url: string;
  /** Worker name, stored on each job it processes (job.processedBy). */
  name: string;
  /** How long a job's lock lasts without renewal: a dead worker's job is retried by another after this. */
  lockMs: number;
}

export type WorkerThreadMessage =
  | { type: 'ready' }
  | { type: 'active'; id: string; kind: string; size: number }
  | { type: 'completed'; id: string; seconds: number }
  | { type: 'failed'; id: string; reason: string }
  | { type: 'error'; message: string }
  | { type: 'note'; message: string }
  | { type: 'closed' };

const { url, name, lockMs } = workerData as WorkerThreadData;
const port = parentPort!;
const post = (message: WorkerThreadMessage) => port.postMessage(message);
const runner = createJobRunner({ onNote: (message) => post({ type: 'note', message }) });
const started = new Map<string, number>();

let client: Awaited<ReturnType<typeof openRedis>>;
try {
  client = await openRedis(url);
} catch (err) {
  post({ type: 'error', message: errorMessage(err) });
  post({ type: 'closed' });
  throw err;
}
const worker = new Worker<JobData>(
  QUEUE_NAME,
  async (job) => {
    started.set(job.id!, Date.now());
    const size = job.data.kind === 'prepare' ? job.data.rows.length : job.data.files.length;
    post({ type: 'active', id: job.id!, kind: job.data.kind, size });
    return runner.run(job);
  },
  {
    connection: client,
    name,
    concurrency: 1,
    autorun: false,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // a job whose worker keeps dying is given up after this many stalls (a poison input, not bad luck)
    maxStalledCount: 5,
  },
);
worker.on('completed', (job) => post({ type: 'completed', id: job.id!, seconds: (Date.now() - (started.get(job.id!) ?? Date.now())) / 1000 }));
worker.on('failed', (job, err) => post({ type: 'failed', id: job?.id ?? '?', reason: errorMessage(err) }));
worker.on('error', (err) => post({ type: 'error', message: errorMessage(err) }));

port.on('message', (message: { type: 'close' }) => {
  if (message.type !== 'close') return;
  void worker
    .close()
    .then(() => runner.dispose())
    .then(() => client.disconnect())
    .finally(() => post({ type: 'closed' }));
});

try {
  await worker.waitUntilReady();
  void worker.run().catch((err: unknown) => post({ type: 'error', message: errorMessage(err) }));
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'error', message: errorMessage(err) });
  post({ type: 'closed' });
}
