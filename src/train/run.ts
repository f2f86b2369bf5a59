// A training run in a folder: resolves the configuration (model entry defaults < flags), streams shards, wires
// the callbacks and resumes from the folder's checkpoint after a kill.
//
//   RUNDIR/config.json     the resolved RunConfig, model name and preprocessing, shard summary
//   RUNDIR/log.jsonl       one line per step and per epoch (JsonlLogger)
//   RUNDIR/monitor.jsonl   the monitor faces' predictions at every checkpoint (MonitorSet)
//   RUNDIR/checkpoint/     the latest checkpoint (checkpoint.ts)
//   RUNDIR/best/           the model with the best val MAE so far (saveModel layout)
//   RUNDIR/final/          the model when training ended (best weights if early stopping restored them)
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Preprocessing } from '../core/types.js';
import { createModelAsync, getModelEntry } from '../models/index.js';
import { HowoldError } from '../core/errors.js';
import type { FaceBatch } from '../data/batch.js';
import { readShardIndex, streamShards, type ShardIndex, type ShardManifest } from '../data/shards.js';
import { buildFaceApiAgeRegression } from '../models/tinyxception.js';
import { ageBalanceWeights } from './balance.js';
import { initBackend, tf } from '../tf/backend.js';
import { readJsonl, writeFileAtomic } from '../core/atomic.js';
import { BestModel, Checkpoint, EarlyStopping, JsonlLogger, MonitorSet, type MetaFactory } from './callbacks.js';
import { loadCheckpoint, readCheckpointState, type LoadedCheckpoint } from './checkpoint.js';
import { fit } from './fit.js';
import { registerTrainingKernels } from './kernels/index.js';
import type { AgeLossKind } from './losses.js';
import { loadModel, saveModel, type ModelMeta } from '../models/model-folder.js';
import { readModelMeta } from '../core/model-meta.js';
import { optimizerClassName, type OptimizerKind } from './optimizers.js';
import { mixSeed } from '../core/rng.js';
import type { ScheduleKind, ScheduleSpec } from './schedules.js';
import { AUGMENTATIONS, type AugmentationName, type TargetSpec } from './tensors.js';
import type { Callback, History } from './types.js';

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

export const RUN_DEFAULTS = {
  seed: 1,
  checkpointEvery: 500,
  patience: 5,
  monitorCount: 100,
  genderLossWeight: 1,
} as const;

interface ConfigFile {
  version: 1;
  config: RunConfig;
  preprocessing: Preprocessing;
  shards: { size: number; count: number; splits: ShardIndex['splits'] };
  startedAt: string;
}

export interface RunHooks {
  /** Where progress and the epoch lines go (the CLI passes a ProgressBar). Default none: the library prints nothing. */
  progress?: Callback | false;
  /** Extra callbacks, run before the Checkpoint. */
  callbacks?: Callback[];
  /** One-line notices (resume point, warnings). Default: dropped. */
  log?: (line: string) => void;
  /** Changes a freshly created or loaded model before training (say, freeze a pretrained backbone). */
  prepareModel?: (model: tf.LayersModel) => void | Promise<void>;
}

export interface RunResult {
  runDir: string;
  history: History;
  /** The model folder written at the end (RUNDIR/final). */
  finalDir: string;
  resumedFrom?: { epoch: number; step: number };
}

/** The wasm backend as shipped cannot train conv nets: add our kernels (no-op on tfjs-node or cpu). */
export async function initTrainingBackend(): Promise<string> {
  const name = await initBackend();
  if (name === 'wasm') registerTrainingKernels();
  return name;
}

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

function scheduleSpec(config: RunConfig, stepsPerEpoch: number): ScheduleSpec {
  const total = config.epochs * stepsPerEpoch;
  if (config.schedule === 'cosine') {
    return { kind: 'cosine', totalSteps: total, warmupSteps: Math.round(config.warmupEpochs * stepsPerEpoch), minLr: config.lr * 0.01 };
  }
  // Step decay: x0.1 at 50% and again at 75% would need two steps; one decay per third of the run is simpler.
  if (config.schedule === 'step') return { kind: 'step', every: Math.max(1, Math.ceil(total / 3)), gamma: 0.1 };
  return { kind: 'constant' };
}

/** The ages of the training split, from the shard manifests (no pixels read). */
async function trainAges(data: string): Promise<number[]> {
  const ages: number[] = [];
  for (const name of (await readdir(data)).filter((f) => /^shard-\d+\.json$/.test(f)).sort()) {
    const manifest = JSON.parse(await readFile(join(data, name), 'utf8')) as ShardManifest;
    for (const row of manifest.rows.train ?? []) ages.push(row.age);
  }
  return ages;
}

async function firstFaces(data: string, split: 'train' | 'val', count: number): Promise<FaceBatch | undefined> {
  if (count <= 0) return undefined;
  for await (const batch of streamShards(data, { split, batchSize: count, shuffle: false, limit: count })) return batch;
  return undefined;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch {
    return true;
  }
}

async function readConfigFile(runDir: string): Promise<ConfigFile> {
  try {
    return JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8')) as ConfigFile;
  } catch {
    throw new HowoldError('not_a_run', 'no readable config.json: not a training run folder', runDir);
  }
}

/** Marks the layers whose names start with one of `prefixes` ('all': every layer) trainable; returns how many. */
export function unfreezeLayers(model: tf.LayersModel, prefixes: string[]): number {
  let count = 0;
  for (const layer of model.layers) {
    if (!layer.trainable && (prefixes.includes('all') || prefixes.some((p) => layer.name.startsWith(p)))) {
      layer.trainable = true;
      count += 1;
    }
  }
  return count;
}

async function newModel(config: RunConfig): Promise<{ model: tf.LayersModel; name: string; preprocessing: Preprocessing }> {
  const built = await buildModel(config);
  if (config.unfreeze?.length) unfreezeLayers(built.model, config.unfreeze);
  return built;
}

async function buildModel(config: RunConfig): Promise<{ model: tf.LayersModel; name: string; preprocessing: Preprocessing }> {
  if (config.from) {
    const { model, meta } = await loadModel(config.from);
    if (!meta) {
      model.dispose();
      throw new HowoldError('no_model_meta', 'has no howold.json: its preprocessing is unknown', config.from);
    }
    return { model, name: meta.name, preprocessing: meta.preprocessing };
  }
  const entry = getModelEntry(config.model);
  const model = await createModelAsync(config.model, { seed: config.seed });
  return { model, name: config.model, preprocessing: entry.preprocessing };
}

export type StartOptions = Partial<RunConfig> & Pick<RunConfig, 'data' | 'out'> & { model?: string };

/** Resolves a new run's configuration: built-in defaults < the model's defaultTraining < the given options. */
export async function resolveConfig(options: StartOptions): Promise<RunConfig> {
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
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<RunConfig>;
  return {
    ...BASE_DEFAULTS,
    ...RUN_DEFAULTS,
    ...entryDefaults,
    ...defined,
    data: resolve(options.data),
    out: resolve(options.out),
    from: options.from ? resolve(options.from) : undefined,
    model,
  };
}


/** Starts a new run in `options.out` (which must be empty or absent). */
export async function startRun(options: StartOptions, hooks: RunHooks = {}): Promise<RunResult> {
  const config = await resolveConfig(options);
  if (!(await isEmptyDir(config.out))) {
    throw new HowoldError('run_exists', `already holds files: continue it with --resume ${config.out}, or pick another --out`, config.out);
  }
  const index = await readShardIndex(config.data);
  const created = await newModel(config);
  // The model sees faces framed as its shards frame them, in training and after (howold.json's preprocessing).
  if (index.preprocessing.align !== 'none') {
    created.preprocessing = { ...created.preprocessing, margin: index.preprocessing.margin, align: index.preprocessing.align };
  }
  const file: ConfigFile = {
    version: 1,
    config,
    preprocessing: created.preprocessing,
    shards: { size: index.size, count: index.count, splits: index.splits },
    startedAt: new Date().toISOString(),
  };
  await writeFileAtomic(join(config.out, 'config.json'), `${JSON.stringify(file, null, 2)}\n`);
  return execute(file, index, created.model, undefined, hooks);
}

/** Continues the run in `runDir` from its checkpoint (or from the start if it was killed before the first). */
export async function resumeRun(runDir: string, overrides: { epochs?: number; workers?: number } = {}, hooks: RunHooks = {}): Promise<RunResult> {
  const dir = resolve(runDir);
  const file = await readConfigFile(dir);
  if (overrides.epochs !== undefined && overrides.epochs !== file.config.epochs) {
    file.config = { ...file.config, epochs: overrides.epochs };
    await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(file, null, 2)}\n`);
  }
  // how many threads share the work, not what is learned: this run only, config.json keeps the first choice
  if (overrides.workers !== undefined) file.config = { ...file.config, workers: overrides.workers };
  file.config.out = dir;
  const index = await readShardIndex(file.config.data);
  const checkpointDir = join(dir, 'checkpoint');
  if (!(await readCheckpointState(checkpointDir))) {
    const created = await newModel(file.config);
    return execute(file, index, created.model, undefined, hooks);
  }
  const checkpoint = await loadCheckpoint(checkpointDir);
  return execute(file, index, checkpoint.model, checkpoint, hooks);
}

/** The numeric fields of the last epoch line of log.jsonl. */
async function lastEpochMetrics(runDir: string): Promise<Record<string, number> | undefined> {
  const epochs = (await readJsonl(join(runDir, 'log.jsonl'))).filter((l) => l.type === 'epoch');
  const last = epochs[epochs.length - 1];
  if (!last) return undefined;
  return Object.fromEntries(Object.entries(last).filter((e): e is [string, number] => typeof e[1] === 'number'));
}


async function execute(
  file: ConfigFile,
  index: ShardIndex,
  model: tf.LayersModel,
  checkpoint: LoadedCheckpoint | undefined,
  hooks: RunHooks,
): Promise<RunResult> {
  const { config, preprocessing } = file;
  const log = hooks.log ?? (() => {});
  const runDir = config.out;
  try {
    if (hooks.prepareModel) await hooks.prepareModel(model);
    if (index.preprocessing.margin !== preprocessing.margin || index.preprocessing.align !== preprocessing.align) {
      log(
        `warning: the shards were cropped with margin ${index.preprocessing.margin} (align '${index.preprocessing.align}') ` +
          `but ${config.model} expects margin ${preprocessing.margin} (align '${preprocessing.align}')`,
      );
    }
    const ageWeights = config.balance ? ageBalanceWeights(await trainAges(config.data), { strength: config.balance, classes: 101 }) : undefined;
    const teacher = config.distill ? await buildFaceApiAgeRegression() : undefined;
    const trainFaces = Math.min(index.splits.train, config.limit ?? Infinity);
    if (trainFaces === 0) throw new HowoldError('no_training_data', 'the shards have no training faces', config.data);
    const stepsPerEpoch = Math.ceil(trainFaces / config.batchSize);
    const hasVal = index.splits.val > 0 && config.valLimit !== 0;
    if (!hasVal) log('warning: no validation faces: no val metrics, best model or early stopping');

    const meta: MetaFactory = (ctx, metrics) => ({
      name: config.model,
      preprocessing,
      training: { ...config, data: config.data, shards: file.shards },
      metrics,
      epoch: ctx.state.epoch,
      step: ctx.state.step,
    });
    const bestDir = join(runDir, 'best');
    const monitorFaces = await firstFaces(config.data, hasVal ? 'val' : 'train', config.monitorCount);
    const callbacks: Callback[] = [new JsonlLogger(join(runDir, 'log.jsonl'))];
    if (hooks.progress) callbacks.push(hooks.progress);
    if (monitorFaces) callbacks.push(new MonitorSet({ faces: monitorFaces, path: join(runDir, 'monitor.jsonl'), every: config.checkpointEvery }));
    if (hasVal) callbacks.push(new BestModel({ dir: bestDir, meta }));
    const early = hasVal && config.patience > 0 ? new EarlyStopping({ patience: config.patience, bestDir }) : undefined;
    if (early) callbacks.push(early);
    callbacks.push(...(hooks.callbacks ?? []));
    callbacks.push(new Checkpoint({ dir: join(runDir, 'checkpoint'), every: config.checkpointEvery, meta }));

    let resumedFrom: RunResult['resumedFrom'];
    if (checkpoint) {
      const { state } = checkpoint;
      for (const cb of callbacks) {
        const saved = cb.name ? state.callbacks[cb.name] : undefined;
        if (saved !== undefined) cb.setState?.(saved);
      }
      resumedFrom = { epoch: state.epoch, step: state.step };
      log(`resuming ${runDir} at epoch ${state.epoch + 1}, step ${state.step} (batch ${state.batch} of the epoch)`);
    }
    const optimizerState =
      checkpoint?.optimizerState && checkpoint.optimizerClass === optimizerClassName(config) ? checkpoint.optimizerState : undefined;
    if (checkpoint?.optimizerState && !optimizerState) log(`warning: optimizer changed since the checkpoint: its state starts afresh`);

    const history = await fit(model, (epoch) => streamShards(config.data, {
      split: 'train',
      batchSize: config.batchSize,
      shuffle: true,
      seed: mixSeed(config.seed, epoch),
      limit: config.limit,
      bufferSize: config.bufferSize,
    }), {
      epochs: config.epochs,
      batchSize: config.batchSize,
      preprocessing,
      optimizer: config.optimizer,
      lr: config.lr,
      momentum: config.momentum,
      nesterov: config.nesterov,
      loss: config.loss,
      schedule: scheduleSpec(config, stepsPerEpoch),
      stepsPerEpoch,
      augment: config.augment && AUGMENTATIONS[config.augmentation ?? 'default'],
      targets: { kind: config.targets },
      ageWeights,
      distill: teacher ? { teacher, weight: config.distill! } : undefined,
      genderLossWeight: config.genderLossWeight,
      validationData: hasVal
        ? () => streamShards(config.data, { split: 'val', batchSize: Math.max(config.batchSize, 64), shuffle: false, limit: config.valLimit })
        : undefined,
      callbacks,
      initialEpoch: checkpoint?.state.epoch,
      initialStep: checkpoint?.state.step,
      initialBatch: checkpoint?.state.batch,
      initialTotals: checkpoint?.state.totals,
      optimizerState,
      seed: config.seed,
      workers: config.workers,
    });
    tf.dispose(checkpoint?.optimizerState?.map((w) => w.tensor) ?? []);
    teacher?.dispose();

    const finalDir = join(runDir, 'final');
    const last = await readCheckpointState(join(runDir, 'checkpoint'));
    const metrics = early?.restoredBest ? (await readModelMeta(bestDir).catch(() => undefined))?.metrics : await lastEpochMetrics(runDir);
    await saveModel(model, finalDir, {
      name: config.model,
      preprocessing,
      training: { ...config, shards: file.shards },
      metrics,
      epoch: last?.epoch,
      step: last?.step,
    });
    return { runDir, history, finalDir, resumedFrom };
  } finally {
    model.dispose();
  }
}
