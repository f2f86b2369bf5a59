// What a queue worker does with a job: the same code as the in-process paths (prepareRows + writeShard for
// `data prepare`, the estimator called with an array of photos for `predict`), so the queue's output is
// byte-identical to theirs.
import { UnrecoverableError, type Job } from 'bullmq';
import { createAgeEstimator, createFaceDetector, errorMessage, faceToJson, type AgeEstimator, type FaceDetector } from '../index.js';
import { prepareRows } from '../data/prepare-rows.js';
import { writeShard } from '../data/shards.js';
import { modelKey, type JobData, type JobProgress, type PhotoResult, type PredictJobData, type PredictJobResult, type PrepareJobData, type PrepareJobResult } from './jobs.js';

export interface JobRunner {
  run(job: Job<JobData>): Promise<PrepareJobResult | PredictJobResult>;
  dispose(): Promise<void>;
}

export interface JobRunnerOptions {
  /** Called with a loaded detector's or estimator's note (a slower fallback engine runs, and what to install). */
  onNote?: (note: string) => void;
}

/** Runs jobs one at a time, keeping the detectors and estimators it loaded for the next job. */
export function createJobRunner(options: JobRunnerOptions = {}): JobRunner {
  const noted = <T extends { note?: string }>(loaded: T): T => {
    if (loaded.note !== undefined) options.onNote?.(loaded.note);
    return loaded;
  };
  const detectors = new Map<string, Promise<FaceDetector>>();
  const estimators = new Map<string, Promise<{ estimator: AgeEstimator; key: string }>>();

  const detectorFor = (mode: 'photo' | 'crop') => {
    if (!detectors.has(mode)) detectors.set(mode, createFaceDetector({ mode }).then(noted));
    return detectors.get(mode)!;
  };
  const estimatorFor = (dir: string) => {
    if (!estimators.has(dir)) {
      estimators.set(dir, Promise.all([createAgeEstimator({ model: dir }).then(noted), modelKey(dir)]).then(([estimator, key]) => ({ estimator, key })));
    }
    return estimators.get(dir)!;
  };

  const progress = (job: Job<JobData>, done: number) => {
    void job.updateProgress({ done } satisfies JobProgress).catch(() => undefined);
  };

  const prepare = async (job: Job<JobData>, data: PrepareJobData): Promise<PrepareJobResult> => {
    const detector = data.spec.source === 'detect' ? await detectorFor(data.spec.detectorMode ?? 'photo') : undefined;
    const { faces, rejects } = await prepareRows(data.rows, data.spec, detector, (done) => progress(job, done));
    await writeShard(data.out, data.shard, data.spec.size, faces, rejects);
    const byReason: Record<string, number> = {};
    for (const r of rejects) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    return { shard: data.shard, faces: faces.length, rejects: byReason };
  };

  const predict = async (job: Job<JobData>, data: PredictJobData): Promise<PredictJobResult> => {
    const { estimator, key } = await estimatorFor(data.model);
    if (key !== data.modelKey) {
      throw new UnrecoverableError(`${data.model}: this worker's copy of the model differs from the submitter's (model hash ${key.slice(0, 12)}, job wants ${data.modelKey.slice(0, 12)})`);
    }
    const photos: PhotoResult[] = [];
    for (let i = 0; i < data.files.length; i += data.batch) {
      const results = await estimator(data.files.slice(i, i + data.batch), { ...data.detect, names: data.names.slice(i, i + data.batch) });
      for (const r of results) {
        photos.push(
          r.error
            ? { error: { code: r.error.code, message: errorMessage(r.error) } }
            : { width: r.width, height: r.height, faces: r.faces.map((f) => faceToJson(f, { distribution: data.distribution })) },
        );
      }
      progress(job, photos.length);
    }
    return { photos };
  };

  return {
    run(job) {
      const data = job.data;
      if (data.kind === 'prepare') return prepare(job, data);
      if (data.kind === 'predict') return predict(job, data);
      throw new UnrecoverableError(`unknown job kind '${(data as { kind?: unknown }).kind}'`);
    },
    async dispose() {
      for (const d of detectors.values()) await (await d.catch(() => undefined))?.dispose();
      for (const e of estimators.values()) await (await e.catch(() => undefined))?.estimator.dispose();
    },
  };
}
