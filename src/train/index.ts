// howold/train: the model zoo, Keras-style training (startRun/resumeRun, fit, callbacks) and, re-exported, the
// datasets and shards of howold/data. Needs the optional TF.js dependencies (see core/optional.ts).
export * from '../data/index.js';
export type { FaceBatch } from '../data/batch.js';
export {
  createModel,
  createModelAsync,
  getModelEntry,
  listModels,
  parseModelName,
  registerModel,
  ageInterval,
  ageQuantile,
  ageToTarget,
  expectedAge,
  AGE_CLASSES,
  buildCompactCnn,
  buildVgg16Tutorial,
  COMPACT_PREPROCESSING,
  type DefaultTraining,
  type ModelDefinition,
  type ModelEntry,
  type ModelOptions,
  type TargetOptions,
} from '../models/index.js';
export { initTrainingBackend, resumeRun, startRun, type RunHooks, type RunResult } from './run.js';
export {
  autoWorkerCount,
  BASE_DEFAULTS,
  checkRunConfig,
  MIN_FACES_PER_WORKER,
  resolveConfig,
  RUN_DEFAULTS,
  type RunConfig,
  type StartOptions,
  type TrainingDefaults,
} from './config.js';
export { fit, type FitOptions, type DistillOptions } from './fit.js';
export type { TrainData } from './epoch-iterator.js';
export { evaluate as evaluateModel, type EvalMetrics, type EvaluateOptions } from './evaluate.js';
export { BestModel, Checkpoint, EarlyStopping, JsonlLogger, MonitorSet, type MetaFactory, type MonitorLine } from './callbacks/index.js';
export type { Callback, EpochLogs, FitContext, History, StepLogs } from './types.js';
export { ageLoss, AGE_LOSSES, type AgeLossKind } from './losses.js';
export { createOptimizer, OPTIMIZERS, type OptimizerConfig, type OptimizerKind } from './optimizers.js';
export { createSchedule, SCHEDULE_KINDS, type Schedule, type ScheduleKind, type ScheduleSpec } from './schedules.js';
export { AUGMENTATIONS, DEFAULT_AUGMENTATION, WILD_AUGMENTATION, type Augmentation, type AugmentationName } from './tensors.js';
export { loadModel, saveModel, type LoadedModel, type ModelMetaInput } from '../models/model-folder.js';
export { initBackend, tf, type BackendName } from '../tf/backend.js';
