// howold/queue: data preparation and prediction as jobs on a Redis queue (BullMQ) for `howold worker`s on any
// number of machines: deterministic job ids (resubmitting is a no-op), results in input order.
export { submitPrepare, prepareJobs, type QueuedPrepareResult } from './prepare-submit.js';
export { submitPredict, predictJobs, type PredictQueueOptions } from './predict-submit.js';
export { formatSubmitSummary, submitJobs, type QueuedJob, type SubmitOptions, type SubmitSummary } from './submit.js';
export { runQueueWorker, type QueueWorkerOptions, type QueueWorkerRun } from './worker.js';
export { parseQueueUrl, QUEUE_NAME } from './connection.js';
export type { JobData, JobProgress, PredictJobData, PredictJobResult, PrepareJobData, PrepareJobResult } from './jobs.js';
