// A bounded queue in front of a few estimator worker processes. Each idle worker takes up to `batch` waiting
// photos and estimates them in one model call. Full queue → BusyError; past the deadline → TimeoutError; a worker
// that crashes or hangs is replaced and only its own requests fail. A request goes over IPC, its photos' bytes on a
// pipe of their own (photo-pipe.ts).
// Processes rather than worker threads: terminating a thread while sharp has work in flight aborts the whole
// process (Napi::Error), and a native crash on a hostile image must not take the server with it.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HowoldError } from '../index.js';
import type { DetectOptions, FaceJson, HowoldErrorCode } from '../index.js';
import { writePhotos } from './photo-pipe.js';

/** The worker: compiled in the built package; in a checkout, its TypeScript through tsx (resolved here, so any cwd works). */
function workerModule(): { path: string; execArgv: string[] } {
  const compiled = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(compiled)) return { path: compiled, execArgv: [] };
  return { path: fileURLToPath(new URL('./worker.ts', import.meta.url)), execArgv: ['--import', import.meta.resolve('tsx')] };
}
const WORKER = workerModule();
// Each photo allocates a few MB of ArrayBuffers (the upload, the decoded pixels, the networks' inputs and outputs),
// which count towards V8's old-generation limit: with the default initial limit, sized for the worker's ~12 MB heap,
// that meant a full mark-compact every ~6 photos, ~2 ms per photo. With 64 MB one ran in 180 photos of the measured load
// (BENCHMARKS.md, issue 13); the buffers themselves are still freed by the young-generation collections.
const WORKER_V8_FLAGS = ['--initial-old-space-size=64'];
const CLOSE_GRACE_MS = 3000;
/** The worker's file descriptor of the pipe that carries the photos' bytes (after stdin, stdout, stderr and IPC). */
export const PHOTO_PIPE_FD = 4;

export interface PoolOptions {
  /** Model folder. Default: the shipped model. */
  model?: string;
  /** Worker processes, each with its own estimator (~280-300 MB resident after the first photo). Default: min(2, cores). */
  workers?: number;
  /** Requests allowed to wait for a worker; one more is refused with BusyError. Default 16. */
  maxQueue?: number;
  /** Photos per model call. Default 4. */
  batch?: number;
  /** Time from arrival to answer, ms. Default 15000. */
  timeoutMs?: number;
  /** Passed to decodeImage: photos with more pixels are refused. */
  maxPixels?: number;
}

export interface WorkerData {
  model?: string;
  maxPixels?: number;
}

export type PhotoResult = { width: number; height: number; faces: FaceJson[] } | { error: { code: HowoldErrorCode; message: string } };

export interface WorkerRequest {
  type: 'run';
  id: number;
  /** Byte length of each photo of the batch; the bytes follow on the photo pipe (photo-pipe.ts), in this order. */
  sizes: number[];
  /** The detector options every photo of this batch was sent with. */
  options: DetectOptions;
}

export type WorkerMessage = WorkerRequest | { type: 'close' };

export type WorkerReply =
  | { type: 'ready'; model: string; engine: string; note?: string }
  | { type: 'fatal'; error: { code: HowoldErrorCode; message: string } }
  | { type: 'result'; id: number; photos: PhotoResult[] }
  | { type: 'failed'; id: number; error: { code: HowoldErrorCode; message: string } };

/** The queue is full: come back in `retryAfter` seconds. */
export class BusyError extends HowoldError {
  constructor(readonly retryAfter: number) {
    super('busy', 'the server is busy; try again shortly');
    this.name = 'BusyError';
  }
}

/** No answer before the deadline; `queued` says whether the photo was still waiting for a worker. */
export class TimeoutError extends HowoldError {
  constructor(readonly queued: boolean, timeoutMs: number) {
    super('timeout', queued ? `no worker was free within ${timeoutMs} ms` : `estimating took longer than ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

interface Job {
  photo: Uint8Array;
  options: DetectOptions;
  /** Jobs batched together share their options: this is them as a string. */
  key: string;
  resolve(result: PhotoResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  settled: boolean;
  running: boolean;
  /** Workers it has been sent to: a job whose worker died is tried once more, on another. */
  attempts: number;
}

interface Slot {
  worker: ChildProcess;
  photoPipe: Writable;
  ready: boolean;
  jobs?: Job[];
  requestId?: number;
  started?: number;
  watchdog?: NodeJS.Timeout;
}

export interface PoolStats {
  workers: number;
  ready: number;
  running: number;
  queued: number;
  maxQueue: number;
  served: number;
  restarts: number;
}

export class EstimatorPool {
  /** The model's name and the engine running it, as the first worker reported them. */
  model = '';
  engine = '';
  /** The estimator's note when it runs on a slower engine than onnxruntime-node (what to install), as reported. */
  note: string | undefined;
  private readonly options: Required<Omit<PoolOptions, 'model' | 'maxPixels'>> & Pick<PoolOptions, 'model' | 'maxPixels'>;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private served = 0;
  private restarts = 0;
  private closed = false;
  private avgBatchMs = 500;

  private constructor(options: PoolOptions) {
    this.options = {
      model: options.model,
      maxPixels: options.maxPixels,
      workers: options.workers ?? Math.min(2, availableParallelism()),
      maxQueue: options.maxQueue ?? 16,
      batch: options.batch ?? 4,
      timeoutMs: options.timeoutMs ?? 15_000,
    };
  }

  /** Starts the workers and waits until every one has loaded the model; a model that cannot load throws here. */
  static async start(options: PoolOptions = {}): Promise<EstimatorPool> {
    const pool = new EstimatorPool(options);
    try {
      const [first] = await Promise.all(Array.from({ length: pool.options.workers }, () => pool.spawn()));
      pool.model = first!.model;
      pool.engine = first!.engine;
      pool.note = first!.note;
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private spawn(): Promise<{ model: string; engine: string; note?: string }> {
    const data: WorkerData = { model: this.options.model, maxPixels: this.options.maxPixels };
    const worker = fork(WORKER.path, [JSON.stringify(data)], {
      execArgv: [...WORKER_V8_FLAGS, ...WORKER.execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc', 'pipe'],
    });
    const photoPipe = worker.stdio[PHOTO_PIPE_FD] as Writable;
    // a write to a worker that died fails here (EPIPE); its exit is what the pool acts on
    photoPipe.on('error', () => {});
    const slot: Slot = { worker, photoPipe, ready: false };
    this.slots.push(slot);
    return new Promise((resolve, reject) => {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          slot.ready = true;
          resolve({ model: reply.model, engine: reply.engine, ...(reply.note === undefined ? {} : { note: reply.note }) });
          this.dispatch();
        } else if (reply.type === 'fatal') {
          reject(new HowoldError(reply.error.code, reply.error.message));
          worker.kill('SIGKILL');
        } else if (reply.id === slot.requestId) {
          this.finish(slot, reply);
        }
      });
      worker.on('error', (err: Error) => {
        reject(err);
        this.replace(slot, new HowoldError('worker_failed', `the estimator failed (${err.message})`));
      });
      worker.on('exit', (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new HowoldError('worker_failed', `the estimator worker ${how} before it was ready`));
        this.replace(slot, new HowoldError('worker_failed', `the estimator worker ${how}`));
      });
    });
  }

  /** Removes a dead or hung worker, fails its requests, and starts another (unless closing). */
  private replace(slot: Slot, reason: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    clearTimeout(slot.watchdog);
    // a worker that died (not one that hung) may have died of something else than its photos (killed, out of
    // memory, or before it even read them): each of its jobs gets one more try while another worker is ready
    const retry = !this.closed && !(reason instanceof TimeoutError) && this.slots.some((s) => s.ready);
    const again: Job[] = [];
    for (const job of slot.jobs ?? []) {
      if (retry && job.attempts < 2 && !job.settled) {
        job.running = false;
        again.push(job);
      } else this.settle(job, reason);
    }
    this.queue.unshift(...again);
    slot.jobs = undefined;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    slot.worker.kill('SIGKILL');
    // photos still queued for the dead worker's pipe are dropped with it (the retried ones go to another pipe)
    slot.photoPipe.destroy();
    if (again.length > 0) this.dispatch();
    if (this.closed || !slot.ready) return;
    this.restarts += 1;
    this.spawn().catch(() => {
      // a worker that cannot even start again leaves the pool smaller; /healthz shows it
    });
  }

  private settle(job: Job, outcome: PhotoResult | Error): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  /** Estimates the faces in one encoded photo, with the detector's minScore and faceDetector from `options`. */
  estimate(photo: Uint8Array, options: DetectOptions = {}): Promise<PhotoResult> {
    if (this.closed) return Promise.reject(new BusyError(5));
    if (this.queue.length >= this.options.maxQueue) {
      const perWorker = (this.queue.length / Math.max(1, this.slots.length) / this.options.batch) * this.avgBatchMs;
      return Promise.reject(new BusyError(Math.max(1, Math.ceil(perWorker / 1000))));
    }
    return new Promise<PhotoResult>((resolve, reject) => {
      const job: Job = {
        photo,
        options,
        key: JSON.stringify([options.minScore, options.faceDetector]),
        resolve,
        reject,
        settled: false,
        running: false,
        attempts: 0,
        timer: setTimeout(() => {
          const at = this.queue.indexOf(job);
          if (at >= 0) this.queue.splice(at, 1);
          this.settle(job, new TimeoutError(!job.running, this.options.timeoutMs));
        }, this.options.timeoutMs),
      };
      this.queue.push(job);
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.jobs || !slot.worker.connected || slot.worker.exitCode !== null || slot.worker.signalCode !== null) continue;
      const jobs = this.takeBatch();
      const id = this.nextId++;
      slot.jobs = jobs;
      slot.requestId = id;
      for (const job of jobs) {
        job.running = true;
        job.attempts += 1;
      }
      slot.started = Date.now();
      // A worker stuck well past every deadline is replaced, so one pathological photo cannot wedge the pool.
      slot.watchdog = setTimeout(
        () => this.replace(slot, new TimeoutError(false, this.options.timeoutMs)),
        this.options.timeoutMs * 2 + 5_000,
      );
      const photos = jobs.map((job) => job.photo);
      slot.worker.send({ type: 'run', id, sizes: photos.map((photo) => photo.byteLength), options: jobs[0]!.options } satisfies WorkerMessage, (err) => {
        if (err) this.replace(slot, new HowoldError('worker_failed', `the estimator worker could not be reached (${err.message})`));
      });
      writePhotos(slot.photoPipe, photos);
    }
  }

  /** The oldest waiting job and up to batch - 1 more sent with the same options, taken off the queue. */
  private takeBatch(): Job[] {
    const key = this.queue[0]!.key;
    const jobs: Job[] = [];
    for (let i = 0; i < this.queue.length && jobs.length < this.options.batch; ) {
      if (this.queue[i]!.key === key) jobs.push(...this.queue.splice(i, 1));
      else i += 1;
    }
    return jobs;
  }

  private finish(slot: Slot, reply: Extract<WorkerReply, { id: number }>): void {
    clearTimeout(slot.watchdog);
    this.avgBatchMs = 0.8 * this.avgBatchMs + 0.2 * (Date.now() - (slot.started ?? Date.now()));
    const jobs = slot.jobs ?? [];
    slot.jobs = undefined;
    slot.requestId = undefined;
    jobs.forEach((job, i) => {
      if (reply.type === 'result') {
        this.served += 1;
        this.settle(job, reply.photos[i]!);
      } else this.settle(job, new HowoldError(reply.error.code, reply.error.message));
    });
    this.dispatch();
  }

  stats(): PoolStats {
    return {
      workers: this.slots.length,
      ready: this.slots.filter((s) => s.ready).length,
      running: this.slots.reduce((n, s) => n + (s.jobs?.length ?? 0), 0),
      queued: this.queue.length,
      maxQueue: this.options.maxQueue,
      served: this.served,
      restarts: this.restarts,
    };
  }

  /** Process ids of the workers (for memory figures). */
  pids(): number[] {
    return this.slots.flatMap((s) => (s.worker.pid === undefined ? [] : [s.worker.pid]));
  }

  /** Refuses what is still queued, lets each worker finish its batch and exit (killed after a grace period). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, new BusyError(5));
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        clearTimeout(slot.watchdog);
        for (const job of slot.jobs ?? []) this.settle(job, new BusyError(5));
        const worker = slot.worker;
        worker.removeAllListeners();
        worker.on('error', () => {});
        try {
          if (worker.exitCode !== null || worker.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
          const kill = setTimeout(() => worker.kill('SIGKILL'), CLOSE_GRACE_MS);
          if (worker.connected) worker.send({ type: 'close' } satisfies WorkerMessage, () => {});
          else worker.kill('SIGKILL');
          await exited;
          clearTimeout(kill);
        } finally {
          slot.photoPipe.destroy();
        }
      }),
    );
  }
}
