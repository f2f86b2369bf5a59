// `howold predict ... --queue URL`: photos become queue jobs of `jobSize` photos; results come back in input order.
import { resolve } from 'node:path';
import { DEFAULT_MODEL_DIR, type DetectOptions } from '../index.js';
import { hashFiles, modelKey, predictJobId, type PhotoResult, type PredictJobData, type PredictJobResult } from './jobs.js';
import { submitJobs, type QueuedJob, type SubmitSummary } from './submit.js';

export interface PredictQueueOptions {
  url: string;
  /** Model folder (default: the shipped model); workers must see the same files at the same path. */
  model?: string;
  /** Photos per model call (as in the in-process path). */
  batch: number;
  /** Photos per job (rounded up to a whole number of batches). Default 64. */
  jobSize?: number;
  distribution?: boolean;
  /** The detector's minScore and faceDetector (default: the workers' defaults). */
  detect?: DetectOptions;
  onProgress?: (done: number, total: number) => void;
}

export async function predictJobs(files: string[], options: PredictQueueOptions): Promise<QueuedJob<PredictJobData>[]> {
  const model = resolve(options.model ?? DEFAULT_MODEL_DIR);
  const key = await modelKey(model);
  const perJob = Math.ceil((options.jobSize ?? 64) / options.batch) * options.batch;
  const hashes = await hashFiles(files);
  const jobs: QueuedJob<PredictJobData>[] = [];
  for (let i = 0; i < files.length; i += perJob) {
    const names = files.slice(i, i + perJob);
    // an unreadable file is still sent: the worker reports it, as the in-process path does
    const contents = hashes.slice(i, i + perJob).map((h, j) => (h instanceof Error ? `unreadable:${resolve(names[j]!)}` : h));
    const data: PredictJobData = {
      kind: 'predict',
      files: names.map((f) => resolve(f)),
      names,
      model,
      modelKey: key,
      batch: options.batch,
      distribution: options.distribution ?? false,
      detect: options.detect ?? {},
    };
    jobs.push({ id: predictJobId(data, contents), data, size: names.length });
  }
  return jobs;
}

/**
 * Runs the photos through the queue and calls `onPhoto` for each, in input order. A job that fails every attempt
 * gives each of its photos an error result (code 'job_failed'), so every input is accounted for.
 */
export async function submitPredict(
  files: string[],
  options: PredictQueueOptions,
  onPhoto: (file: string, result: PhotoResult) => void | Promise<void>,
): Promise<SubmitSummary> {
  const jobs = await predictJobs(files, options);
  return submitJobs<PredictJobData, PredictJobResult>(jobs, {
    url: options.url,
    onProgress: options.onProgress,
    async onResult(i, result) {
      const { names } = jobs[i]!.data;
      for (const [j, photo] of result.photos.entries()) await onPhoto(names[j]!, photo);
    },
    async onFailed(i, reason) {
      for (const name of jobs[i]!.data.names) await onPhoto(name, { error: { code: 'job_failed', message: `${name}: queue job failed: ${reason}` } });
    },
  });
}
