// What travels through the queue: job data, results, and deterministic job ids.
//
// A job id is a hash of everything that decides the job's output: the bytes of its input files (content hashes),
// the model or crop settings, and a version of the code that turns one into the other. Resubmitting the same work
// therefore adds nothing (BullMQ ignores an add whose id exists), and a job delivered twice (a worker that stalled
// and came back) writes the same bytes to the same place: no row is lost or doubled.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { InputError, type HowoldErrorCode } from '../core/errors.js';
import { join } from 'node:path';
import type { CropSpec } from '../data/labelled-face.js';
import type { PrepareRow } from '../data/prepare-rows.js';
import type { DetectOptions } from '../detect/pipeline.js';
import type { FaceJson } from '../infer/photos.js';

/** Bump when a change to the code would change a job's output for the same inputs. */
// 2: photo mode's padded SSD pass (detect/pipeline.ts) finds more faces
export const PREPARE_JOB_VERSION = 2;
export const PREDICT_JOB_VERSION = 2;

export interface PrepareJobData {
  kind: 'prepare';
  /** Shard folder (absolute; shared by every worker: a network filesystem or a mounted bucket). */
  out: string;
  shard: number;
  spec: CropSpec;
  rows: PrepareRow[];
}

export interface PrepareJobResult {
  shard: number;
  faces: number;
  rejects: Record<string, number>;
}

export interface PredictJobData {
  kind: 'predict';
  /** Absolute paths the worker reads, and the names the submitter gave them (used in error messages). */
  files: string[];
  names: string[];
  /** Model folder (absolute) and the hash of its files: a worker whose copy differs refuses the job. */
  model: string;
  modelKey: string;
  /** Photos per model call, as in the in-process path, so the numbers match it exactly. */
  batch: number;
  /** Include each face's probability of every age 0..100. */
  distribution: boolean;
  /** The detector's minScore and faceDetector for these photos ({}: the worker's defaults). */
  detect: DetectOptions;
}

export type PhotoResult = { width: number; height: number; faces: FaceJson[] } | { error: { code: HowoldErrorCode; message: string } };

export interface PredictJobResult {
  photos: PhotoResult[];
}

export type JobData = PrepareJobData | PredictJobData;

export interface JobProgress {
  /** Input rows or photos of this job done so far. */
  done: number;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** SHA-256 of a regular file's bytes, streamed (a FIFO or /dev/zero would never end: refused first). */
export async function hashFile(path: string): Promise<string> {
  const info = await stat(path);
  if (!info.isFile()) throw new InputError('not_a_file', 'not a regular file', path);
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { end: Math.max(0, info.size - 1) })
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** `fn` over `items` with at most `limit` calls in flight; results in the items' order. */
export async function mapLimit<T, U>(items: T[], limit: number, fn: (item: T) => Promise<U>): Promise<U[]> {
  const out: U[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Hashes of many files, a few reads in flight; a file that cannot be read gets its Error in its slot. */
export function hashFiles(paths: string[], inFlight = 16): Promise<(string | Error)[]> {
  return mapLimit(paths, inFlight, (path) => hashFile(path).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
}

/** Hash of a model folder's description and weights: the model part of a predict job's id. */
export async function modelKey(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of ['howold.json', 'model.onnx']) {
    hash.update(name);
    hash.update(await readFile(join(dir, name)).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex');
}

export function prepareJobId(data: PrepareJobData, contentHashes: string[]): string {
  const rows = data.rows.map((row, i) => [row.path, contentHashes[i], row.age, row.gender ?? null, row.split, row.faceBox ?? null]);
  return `prepare-${sha256(JSON.stringify([PREPARE_JOB_VERSION, data.out, data.shard, data.spec, rows]))}`;
}

export function predictJobId(data: PredictJobData, contentHashes: string[]): string {
  return `predict-${sha256(JSON.stringify([PREDICT_JOB_VERSION, data.modelKey, data.batch, data.distribution, data.detect.minScore ?? null, data.detect.faceDetector ?? null, contentHashes]))}`;
}
