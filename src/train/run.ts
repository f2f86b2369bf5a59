// A training run in a folder (run-folder.ts): resolves the configuration (config.ts), streams shards, wires the
// callbacks and resumes from the folder's checkpoint after a kill.
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readModelMeta } from '../core/model-meta.js';
import { HowoldError } from '../core/errors.js';
import { mixSeed } from '../core/rng.js';
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { readShardIndex, streamShards, type ShardIndex, type ShardManifest } from '../data/shards.js';
import { createModelAsync, getModelEntry } from '../models/index.js';
import { loadModel, saveModel } from '../models/model-folder.js';
import { buildFaceApiAgeRegression } from '../models/tinyxception.js';
import { initBackend, tf } from '../tf/backend.js';
import { ageBalanceWeights } from './balance.js';
import { BestModel, Checkpoint, EarlyStopping, JsonlLogger, MonitorSet, type MetaFactory } from './callbacks/index.js';
import { loadCheckpoint, readCheckpointState, type LoadedCheckpoint } from './checkpoint.js';
import { checkRunConfig, resolveConfig, scheduleSpec, workerCount, type RunConfig, type StartOptions } from './config.js';
import { fit, type FitOptions, type TrainData } from './fit.js';
import { registerTrainingKernels } from './kernels/index.js';
import { optimizerClassName } from './optimizers.js';
import { isEmptyDir, lastEpochMetrics, readConfigFile, runPaths, writeConfigFile, type ConfigFile } from './run-folder.js';
import { AUGMENTATIONS } from './tensors.js';
import { unfreezeLayers } from './trainable.js';
import type { Callback, History } from './types.js';

export interface RunHooks {
  /** Where progress and the epoch lines go (the CLI passes its progress bar). Default none: the library prints nothing. */
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
    const { margin, align, fill } = index.preprocessing;
    created.preprocessing = { ...created.preprocessing, margin, align, ...(fill ? { fill } : {}) };
  }
  const file: ConfigFile = {
    version: 1,
    config,
    preprocessing: created.preprocessing,
    shards: { size: index.size, count: index.count, splits: index.splits },
    startedAt: new Date().toISOString(),
  };
  await writeConfigFile(config.out, file);
  return execute(file, index, created.model, undefined, hooks);
}

/** Continues the run in `runDir` from its checkpoint (or from the start if it was killed before the first). */
export async function resumeRun(runDir: string, overrides: { epochs?: number; workers?: number | 'auto' } = {}, hooks: RunHooks = {}): Promise<RunResult> {
  const dir = resolve(runDir);
  const file = await readConfigFile(dir);
  // checked on every resume, so a hand-edited config.json fails here in one line, not mid-run
  file.config = checkRunConfig({ ...file.config, ...(overrides.epochs === undefined ? {} : { epochs: overrides.epochs }) });
  if (overrides.epochs !== undefined) await writeConfigFile(dir, file);
  // how many threads share the work (each part's BatchNorm sees only its part, otherwise the same training):
  // this run only, config.json keeps the first choice
  if (overrides.workers !== undefined) file.config = checkRunConfig({ ...file.config, workers: workerCount(overrides.workers, file.config.batchSize) });
  file.config.out = dir;
  const index = await readShardIndex(file.config.data);
  const checkpointDir = runPaths(dir).checkpoint;
  if (!(await readCheckpointState(checkpointDir))) {
    const created = await newModel(file.config);
    return execute(file, index, created.model, undefined, hooks);
  }
  const checkpoint = await loadCheckpoint(checkpointDir);
  return execute(file, index, checkpoint.model, checkpoint, hooks);
}

/**
 * The run's callbacks, in the order they must run: the log, the caller's progress, the monitor faces, the best
 * model and early stopping (with validation faces), the caller's own, and the Checkpoint last, so whatever a
 * checkpoint covers is already logged.
 */
async function runCallbacks(file: ConfigFile, hasVal: boolean, hooks: RunHooks): Promise<{ callbacks: Callback[]; early?: EarlyStopping }> {
  const { config, preprocessing } = file;
  const paths = runPaths(config.out);
  const meta: MetaFactory = (ctx, metrics) => ({
    name: config.model,
    preprocessing,
    training: { ...config, data: config.data, shards: file.shards },
    metrics,
    epoch: ctx.state.epoch,
    step: ctx.state.step,
  });
  const monitorFaces = await firstFaces(config.data, hasVal ? 'val' : 'train', config.monitorCount);
  const callbacks: Callback[] = [new JsonlLogger(paths.log)];
  if (hooks.progress) callbacks.push(hooks.progress);
  if (monitorFaces) callbacks.push(new MonitorSet({ faces: monitorFaces, path: paths.monitor, every: config.checkpointEvery }));
  if (hasVal) callbacks.push(new BestModel({ dir: paths.best, meta }));
  const early = hasVal && config.patience > 0 ? new EarlyStopping({ patience: config.patience, bestDir: paths.best }) : undefined;
  if (early) callbacks.push(early);
  callbacks.push(...(hooks.callbacks ?? []));
  callbacks.push(new Checkpoint({ dir: paths.checkpoint, every: config.checkpointEvery, meta }));
  return { callbacks, early };
}

/** Training batches of epoch `epoch`: the train split, shuffled by (seed, epoch) so a resumed run sees the same order. */
function trainData(config: RunConfig): TrainData {
  return (epoch) =>
    streamShards(config.data, {
      split: 'train',
      batchSize: config.batchSize,
      shuffle: true,
      seed: mixSeed(config.seed, epoch),
      limit: config.limit,
      bufferSize: config.bufferSize,
    });
}

function validationData(config: RunConfig): () => AsyncIterable<FaceBatch> {
  return () => streamShards(config.data, { split: 'val', batchSize: Math.max(config.batchSize, 64), shuffle: false, limit: config.valLimit });
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
  const paths = runPaths(runDir);
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
    const { callbacks, early } = await runCallbacks(file, hasVal, hooks);

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

    const workers = config.workers ?? 1;
    log(workers === 1 ? `1 training thread, batch ${config.batchSize}` : `${workers} training threads sharing each batch of ${config.batchSize} (up to ${Math.ceil(config.batchSize / workers)} faces each)`);
    const options: FitOptions = {
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
      validationData: hasVal ? validationData(config) : undefined,
      callbacks,
      initialEpoch: checkpoint?.state.epoch,
      initialStep: checkpoint?.state.step,
      initialBatch: checkpoint?.state.batch,
      initialTotals: checkpoint?.state.totals,
      optimizerState,
      seed: config.seed,
      workers: config.workers,
    };
    const history = await fit(model, trainData(config), options);
    tf.dispose(checkpoint?.optimizerState?.map((w) => w.tensor) ?? []);
    teacher?.dispose();

    const last = await readCheckpointState(paths.checkpoint);
    const metrics = early?.restoredBest ? (await readModelMeta(paths.best).catch(() => undefined))?.metrics : await lastEpochMetrics(runDir);
    await saveModel(model, paths.final, {
      name: config.model,
      preprocessing,
      training: { ...config, shards: file.shards },
      metrics,
      epoch: last?.epoch,
      step: last?.step,
    });
    return { runDir, history, finalDir: paths.final, resumedFrom };
  } finally {
    model.dispose();
  }
}
