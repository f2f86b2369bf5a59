// A training run's configuration: its type, the defaults, the merge (built-in defaults < the model's
// defaultTraining < the caller's options) and the checks, done once when a run starts (like Human's or vite's
// typed, merged and validated options). Everything downstream reads the resolved RunConfig.
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkString, invalid, isPlainObject } from '../core/checks.js';
import { HowoldError } from '../core/errors.js';
import { readModelMeta } from '../core/model-meta.js';
import { getModelEntry } from '../models/index.js';
import { AGE_LOSSES, type AgeLossKind } from './losses.js';
import { OPTIMIZERS, type OptimizerKind } from './optimizers.js';
import { SCHEDULE_KINDS, type ScheduleKind, type ScheduleSpec } from './schedules.js';
import { AUGMENTATIONS, type AugmentationName, type TargetSpec } from './tensors.js';

/** Settings a model entry's `defaultTraining` may preset (the tutorial's VGG16: SGD 0.01, momentum 0.1, ...). */
export interface TrainingDefaults {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerKind;
  lr: number;
  momentum: number;
  nesterov: boolean;
  loss: AgeLossKind;
  schedule: ScheduleKind;
  /** Linear warmup of the cosine schedule, in epochs (may be fractional). */
  warmupEpochs: number;
  /** Age target distributions: one-hot (the tutorial's), label smoothing or Gaussian. */
  targets: NonNullable<TargetSpec['kind']>;
  augment: boolean;
}

export const BASE_DEFAULTS: Readonly<TrainingDefaults> = Object.freeze({
  epochs: 30,
  batchSize: 32,
  optimizer: 'adam',
  lr: 1e-3,
  momentum: 0.9,
  nesterov: false,
  loss: 'dex',
  schedule: 'cosine',
  warmupEpochs: 1,
  targets: 'gaussian',
  augment: true,
});

export interface RunConfig extends TrainingDefaults {
  /** Prepared shard folder. */
  data: string;
  /** Run folder. */
  out: string;
  /** Registry name of the architecture (for --from, the name in the model's howold.json). */
  model: string;
  /** Saved model folder to fine-tune instead of a new model. */
  from?: string;
  seed: number;
  /** Checkpoint (and monitor-set prediction) every N steps; 0 = at epoch ends only. */
  checkpointEvery: number;
  /** Early stopping patience in epochs on val MAE; 0 = off. */
  patience: number;
  monitorCount: number;
  genderLossWeight: number;
  /** Age balance of the loss, 0..1 (balance.ts); 0: off. */
  balance?: number;
  /** Share of face-api's own AgeGenderNet (the teacher) in the age targets, 0..1; 0: off. */
  distill?: number;
  /** Augmentation preset when augment is on: 'default' or 'wild' (tensors.ts). */
  augmentation?: AugmentationName;
  /** Cap on training / validation faces per epoch (smoke runs). */
  limit?: number;
  valLimit?: number;
  /** Shuffle buffer, faces. */
  bufferSize?: number;
  /** Layer-name prefixes to make trainable before training ('all' for every layer): unfreezes a pretrained backbone. */
  unfreeze?: string[];
  /** Threads sharing each batch's gradients (fit's `workers`); default 1. */
  workers?: number;
}

/** The smallest share of a batch one worker gets from 'auto': each share normalises its BatchNorm layers alone. */
export const MIN_FACES_PER_WORKER = 16;

/**
 * What `workers: 'auto'` means: one thread per available core, as many as the batch has shares of at least
 * MIN_FACES_PER_WORKER faces (BatchNorm statistics over fewer faces get noisy).
 */
export function autoWorkerCount(batchSize: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(batchSize / MIN_FACES_PER_WORKER)));
}

/** A run's worker count as given: 'auto' resolved for its batch size, a count as it is. */
export function workerCount(workers: number | 'auto', batchSize: number): number {
  return workers === 'auto' ? autoWorkerCount(batchSize) : workers;
}

export const RUN_DEFAULTS = {
  seed: 1,
  checkpointEvery: 500,
  patience: 5,
  monitorCount: 100,
  genderLossWeight: 1,
} as const;

export type StartOptions = Partial<Omit<RunConfig, 'workers'>> & Pick<RunConfig, 'data' | 'out'> & {
  model?: string;
  /** A count, or 'auto' (autoWorkerCount); the run's config.json records the count used. */
  workers?: number | 'auto';
};

export const TARGET_KINDS: readonly TrainingDefaults['targets'][] = ['onehot', 'smooth', 'gaussian'];

const LOSS_ALIASES: Record<string, AgeLossKind> = {
  dex: 'dex',
  ce: 'dex',
  crossentropy: 'dex',
  'cross-entropy': 'dex',
  categoricalcrossentropy: 'dex',
  'categorical-crossentropy': 'dex',
  'mean-variance': 'mean-variance',
  meanvariance: 'mean-variance',
};

/** Picks the fields of a model entry's defaultTraining that the trainer knows, with tolerant names. */
export function trainingDefaultsFrom(defaults: object | undefined): Partial<TrainingDefaults> {
  if (!defaults) return {};
  const raw = defaults as Record<string, unknown>;
  const out: Partial<TrainingDefaults> = {};
  const num = (...keys: string[]) => keys.map((k) => raw[k]).find((v): v is number => typeof v === 'number');
  const epochs = num('epochs');
  const batch = num('batchSize', 'batch');
  const lr = num('lr', 'learningRate');
  const momentum = num('momentum');
  const warmup = num('warmupEpochs');
  if (epochs !== undefined) out.epochs = epochs;
  if (batch !== undefined) out.batchSize = batch;
  if (lr !== undefined) out.lr = lr;
  if (momentum !== undefined) out.momentum = momentum;
  if (warmup !== undefined) out.warmupEpochs = warmup;
  if (typeof raw.nesterov === 'boolean') out.nesterov = raw.nesterov;
  if (typeof raw.augment === 'boolean') out.augment = raw.augment;
  const optimizer = String(raw.optimizer ?? '').toLowerCase();
  if (optimizer === 'sgd' || optimizer === 'adam') out.optimizer = optimizer;
  const loss = LOSS_ALIASES[String(raw.loss ?? '').toLowerCase()];
  if (loss) out.loss = loss;
  const schedule = String(raw.schedule ?? '');
  if (schedule === 'constant' || schedule === 'cosine' || schedule === 'step') out.schedule = schedule;
  const targets = String(raw.targets ?? '');
  if (targets === 'onehot' || targets === 'smooth' || targets === 'gaussian') out.targets = targets;
  return out;
}

/**
 * Checks a resolved config field by field (the same bounds as `howold train`'s flags), with one error wording:
 * "Expected ... for options.<field> but received ...". Returns it unchanged.
 */
export function checkRunConfig(config: RunConfig): RunConfig {
  const c = config;
  const optional = <T>(value: T | undefined, check: (v: T) => unknown) => value === undefined || check(value);
  checkString(c.data, 'options.data');
  checkString(c.out, 'options.out');
  checkString(c.model, 'options.model');
  optional(c.from, (v) => checkString(v, 'options.from'));
  checkInteger(c.epochs, 'options.epochs', 1);
  checkInteger(c.batchSize, 'options.batchSize', 1);
  checkOneOf(c.optimizer, 'options.optimizer', OPTIMIZERS);
  if (!(typeof c.lr === 'number' && c.lr > 0 && Number.isFinite(c.lr))) throw invalid('a number > 0', 'options.lr', c.lr);
  checkNumber(c.momentum, 'options.momentum', 0, 1);
  checkBoolean(c.nesterov, 'options.nesterov');
  checkOneOf(c.loss, 'options.loss', AGE_LOSSES);
  checkOneOf(c.schedule, 'options.schedule', SCHEDULE_KINDS);
  checkNumber(c.warmupEpochs, 'options.warmupEpochs', 0);
  checkOneOf(c.targets, 'options.targets', TARGET_KINDS);
  checkBoolean(c.augment, 'options.augment');
  checkInteger(c.seed, 'options.seed', 0);
  checkInteger(c.checkpointEvery, 'options.checkpointEvery', 0);
  checkInteger(c.patience, 'options.patience', 0);
  checkInteger(c.monitorCount, 'options.monitorCount', 0);
  checkNumber(c.genderLossWeight, 'options.genderLossWeight', 0);
  optional(c.balance, (v) => checkNumber(v, 'options.balance', 0, 1));
  optional(c.distill, (v) => checkNumber(v, 'options.distill', 0, 1));
  optional(c.augmentation, (v) => checkOneOf(v, 'options.augmentation', Object.keys(AUGMENTATIONS) as AugmentationName[]));
  optional(c.limit, (v) => checkInteger(v, 'options.limit', 1));
  optional(c.valLimit, (v) => checkInteger(v, 'options.valLimit', 0));
  optional(c.bufferSize, (v) => checkInteger(v, 'options.bufferSize', 1));
  optional(c.workers, (v) => checkInteger(v, 'options.workers', 1));
  optional(c.unfreeze, (v) => {
    if (!Array.isArray(v)) throw invalid('an array of layer-name prefixes', 'options.unfreeze', v);
    v.forEach((p, i) => checkString(p, `options.unfreeze[${i}]`));
  });
  return config;
}

/** Resolves a new run's configuration: built-in defaults < the model's defaultTraining < the given options; checked. */
export async function resolveConfig(options: StartOptions): Promise<RunConfig> {
  if (!isPlainObject(options)) throw invalid('an object', 'options', options);
  let entryDefaults: Partial<TrainingDefaults> = {};
  let model = options.model;
  if (options.from) {
    const meta = await readModelMeta(options.from);
    model = meta.name;
    entryDefaults = trainingDefaultsFrom(meta.training);
  } else if (model) {
    entryDefaults = trainingDefaultsFrom(getModelEntry(model).defaultTraining);
  } else {
    throw new HowoldError('invalid_argument', 'a model is needed: --model NAME or --from MODEL_DIR');
  }
  const { workers, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<RunConfig>;
  const config: RunConfig = {
    ...BASE_DEFAULTS,
    ...RUN_DEFAULTS,
    ...entryDefaults,
    ...defined,
    data: resolve(checkString(options.data, 'options.data')),
    out: resolve(checkString(options.out, 'options.out')),
    from: options.from ? resolve(options.from) : undefined,
    model,
  };
  if (workers !== undefined) config.workers = workerCount(workers, config.batchSize);
  return checkRunConfig(config);
}

/** The learning-rate schedule a run's config asks for, over its `stepsPerEpoch` x epochs steps. */
export function scheduleSpec(config: RunConfig, stepsPerEpoch: number): ScheduleSpec {
  const total = config.epochs * stepsPerEpoch;
  if (config.schedule === 'cosine') {
    return { kind: 'cosine', totalSteps: total, warmupSteps: Math.round(config.warmupEpochs * stepsPerEpoch), minLr: config.lr * 0.01 };
  }
  // Step decay: x0.1 at 50% and again at 75% would need two steps; one decay per third of the run is simpler.
  if (config.schedule === 'step') return { kind: 'step', every: Math.max(1, Math.ceil(total / 3)), gamma: 0.1 };
  return { kind: 'constant' };
}
