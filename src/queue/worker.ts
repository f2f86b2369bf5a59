// `howold worker`: takes jobs from the queue on every core of this machine (one thread per core, one job each),
// until stopped with Ctrl-C / SIGTERM (the running jobs finish first).
import { availableParallelism, hostname } from 'node:os';
import { startWorker } from '../core/ts-worker.js';
import { errorMessage } from '../core/errors.js';
import { parseQueueUrl } from './connection.js';
import type { WorkerThreadData, WorkerThreadMessage } from './worker-thread.js';

export interface QueueWorkerOptions {
  url: string;
  /** Jobs run at once (threads). Default: one per core. */
  threads?: number;
  /** Job lock, ms: how soon a job whose worker died is retried elsewhere. Default 30 s. */
  lockMs?: number;
  /** One line per event (job started, done, failed). */
  log?: (line: string) => void;
}

export interface QueueWorkerRun {
  /** Resolves once every thread is connected and taking jobs. */
  ready: Promise<void>;
  /** Resolves when every thread has stopped (after `stop()` or a signal). */
  done: Promise<{ completed: number; failed: number }>;
  /** Graceful: each thread finishes its running job, then stops. */
  stop(): void;
  /** At once: the threads are terminated (their jobs are retried elsewhere once their locks run out). */
  kill(): Promise<void>;
}

export function runQueueWorker(options: QueueWorkerOptions): QueueWorkerRun {
  parseQueueUrl(options.url); // a bad URL fails here, in one line
  const threads = options.threads ?? availableParallelism();
  const log = options.log ?? (() => undefined);
  const counts = { completed: 0, failed: 0 };
  // every thread loads its own models: a fallback engine's note is logged once, not once per thread
  const notes = new Set<string>();
  const workers = Array.from({ length: threads }, (_, t) => {
    const data: WorkerThreadData = { url: options.url, name: `${hostname()}:${process.pid}:${t}`, lockMs: options.lockMs ?? 30_000 };
    return { name: data.name, thread: startWorker(new URL('./worker-thread.js', import.meta.url), { workerData: data }) };
  });
  let readyCount = 0;
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const done = Promise.all(
    workers.map(
      ({ name, thread }) =>
        new Promise<void>((resolve) => {
          thread.on('message', (m: WorkerThreadMessage) => {
            if (m.type === 'ready' && ++readyCount === threads) resolveReady();
            else if (m.type === 'active') log(`${name} started ${m.id} (${m.kind}, ${m.size} inputs)`);
            else if (m.type === 'completed') {
              counts.completed += 1;
              log(`${name} completed ${m.id} in ${m.seconds.toFixed(1)} s`);
            } else if (m.type === 'failed') {
              counts.failed += 1;
              log(`${name} failed ${m.id}: ${m.reason}`);
            } else if (m.type === 'note') {
              if (!notes.has(m.message)) log(m.message);
              notes.add(m.message);
            } else if (m.type === 'error') {
              log(`${name} error: ${m.message}`);
              rejectReady(new Error(m.message));
            } else if (m.type === 'closed') void thread.terminate();
          });
          thread.on('error', (err: unknown) => {
            log(`${name} crashed: ${errorMessage(err)}`);
            rejectReady(err instanceof Error ? err : new Error(String(err)));
          });
          thread.on('exit', () => resolve());
        }),
    ),
  ).then(() => counts);
  ready.catch(() => undefined);
  const stop = () => {
    for (const { thread } of workers) thread.postMessage({ type: 'close' });
  };
  const kill = async () => {
    await Promise.all(workers.map(({ thread }) => thread.terminate()));
  };
  return { ready, done, stop, kill };
}
