// Training callbacks, after Keras: each a small class with one job, one per file. Order matters where they share
// an event: loggers and the monitor set before Checkpoint, so whatever a checkpoint covers is already logged. The
// progress bar is the CLI's (src/cli/train-progress.ts): the library itself prints nothing.
export { BestModel } from './best-model.js';
export { CallbackList } from './callback-list.js';
export { Checkpoint } from './checkpoint.js';
export { EarlyStopping } from './early-stopping.js';
export { JsonlLogger } from './jsonl-logger.js';
export type { MetaFactory } from './meta.js';
export { MonitorSet, type MonitorLine } from './monitor-set.js';
export type { Callback, EpochLogs, FitContext, History, StepLogs } from '../types.js';
