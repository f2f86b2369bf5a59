// A Keras-style fit(): the loop over epochs and batches with a custom training step. It streams FaceBatches
// (epoch-iterator.ts), runs one update per batch (step.ts: the mean-variance loss, an optional gender head, only
// trainable weights updated, gradients optionally shared out to worker threads), validates after each epoch
// (evaluate.ts) and tells its callbacks (callbacks/) at each event.
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { findHeads } from '../models/heads.js';
import { tf } from '../tf/backend.js';
import { CallbackList } from './callbacks/callback-list.js';
import { EpochIterator, type TrainData } from './epoch-iterator.js';
import { evaluate } from './evaluate.js';
import type { AgeLossKind, MeanVarianceOptions } from './losses.js';
import { createOptimizer, disposeOptimizer, restoreOptimizerState, type NamedTensor, type OptimizerKind } from './optimizers.js';
import { mixSeed } from '../core/rng.js';
import { constant, createSchedule, type Schedule, type ScheduleSpec } from './schedules.js';
import type { Augmentation, TargetSpec } from './tensors.js';
import { startGradientPool, type GradientPool } from './parallel.js';
import { createTrainStep, type StepSpec } from './step.js';
import { patchLayersForFit } from './fit-layers.js';
import { emptyTotals, type Callback, type EpochLogs, type FitContext, type History, type StepLogs, type TrainState } from './types.js';

export type { TrainData };

export interface FitOptions {
  epochs: number;
  /** Informational (batches come ready-made from `trainData`); recorded in logs. */
  batchSize: number;
  /** How the model wants its input (the registry entry's or the loaded model's). */
  preprocessing: Preprocessing;
  optimizer: OptimizerKind;
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  loss: AgeLossKind;
  meanVariance?: MeanVarianceOptions;
  /** A schedule function of the global step, or a spec (cosine's totalSteps defaults to epochs x stepsPerEpoch). */
  schedule?: Schedule | ScheduleSpec;
  /** Batches per epoch, when known: for progress, ETA and the default cosine length. */
  stepsPerEpoch?: number;
  /** Augmentation of training batches: true (defaults), some fields, or false. Default true. */
  augment?: boolean | Partial<Augmentation>;
  /** Age target distributions (classes come from the model's age head). Default: Gaussian, sigma 1.5. */
  targets?: Omit<TargetSpec, 'classes'>;
  /** Weight of the gender head's cross-entropy in the total loss. Default 1. */
  genderLossWeight?: number;
  validationData?: () => AsyncIterable<FaceBatch>;
  callbacks?: Callback[];
  /** Resume point: epoch in progress, global step, batches of that epoch already done (skipped). */
  initialEpoch?: number;
  initialStep?: number;
  initialBatch?: number;
  initialTotals?: TrainState['totals'];
  /** Optimizer state from a checkpoint (see optimizers.ts). */
  optimizerState?: NamedTensor[];
  /** Seeds augmentation: the draws of global step s come from mixSeed(seed, s). */
  seed?: number;
  /**
   * Weight of each age (index = age in years, clamped to the last entry) in the age loss: balances a training set
   * crowded in some ages (see balance.ts). Absent: every face weighs 1.
   */
  ageWeights?: Float32Array;
  /**
   * Threads computing each batch's gradients: the main thread and workers - 1 worker threads, each on a share of
   * the batch (parallel.ts). Default 1.
   */
  workers?: number;
  /** Distillation: the age target mixes the label with a frozen teacher's age on the same augmented input. */
  distill?: DistillOptions;
  /**
   * BatchNorm layers that train use their closed-form gradient (batch-norm.ts), the same values faster. Default
   * true; false keeps tfjs-layers' own (for comparisons).
   */
  fusedBatchNorm?: boolean;
}

export interface DistillOptions {
  /** A model whose first output is an age in years, [n, 1] (say face-api's own AgeGenderNet regression). */
  teacher: tf.LayersModel;
  /** Share of the teacher in the target, 0..1. */
  weight: number;
  /** Spread of the Gaussian target around the teacher's age, years. Default 3. */
  sigma?: number;
}


function resolveSchedule(options: FitOptions): Schedule {
  const s = options.schedule;
  if (s === undefined) return constant(options.lr);
  if (typeof s === 'function') return s;
  if (s.kind === 'cosine' && !(s.totalSteps > 0)) {
    if (!options.stepsPerEpoch) throw new Error('a cosine schedule needs totalSteps or stepsPerEpoch');
    return createSchedule({ ...s, totalSteps: options.epochs * options.stepsPerEpoch }, options.lr);
  }
  return createSchedule(s, options.lr);
}



/** Adds one step's metrics (STEP_METRICS order) to the epoch's running sums and returns the step's log line. */
function recordStep(state: TrainState, epoch: number, batch: FaceBatch, metrics: number[], lr: number, seconds: number, hasGender: boolean): StepLogs {
  const [loss, lossAge, absError, lossGender, genderCorrect, genderCount] = metrics;
  state.step += 1;
  state.batch += 1;
  const t = state.totals;
  t.samples += batch.count;
  t.loss += loss! * batch.count;
  t.absError += absError!;
  t.genderCorrect += genderCorrect!;
  t.genderCount += genderCount!;
  t.seconds += seconds;
  const logs: StepLogs = {
    epoch,
    step: state.step,
    batch: state.batch,
    size: batch.count,
    loss: loss!,
    ageLoss: lossAge!,
    mae: absError! / batch.count,
    lr,
    imagesPerSecond: seconds > 0 ? batch.count / seconds : 0,
  };
  if (hasGender) {
    logs.genderLoss = lossGender;
    if (genderCount! > 0) logs.genderAccuracy = genderCorrect! / genderCount!;
  }
  return logs;
}

/** The epoch's training averages (before validation adds its val_ fields). */
function epochLogs(state: TrainState, epoch: number, schedule: Schedule, hasGender: boolean): EpochLogs {
  const t = state.totals;
  const logs: EpochLogs = {
    epoch,
    step: state.step,
    samples: t.samples,
    seconds: t.seconds,
    imagesPerSecond: t.seconds > 0 ? t.samples / t.seconds : 0,
    loss: t.samples ? t.loss / t.samples : Number.NaN,
    mae: t.samples ? t.absError / t.samples : Number.NaN,
    lr: schedule(Math.max(0, state.step - 1)),
  };
  if (hasGender && t.genderCount > 0) logs.genderAccuracy = t.genderCorrect / t.genderCount;
  return logs;
}

function addToHistory(history: History, logs: EpochLogs): void {
  history.epoch.push(logs.epoch);
  for (const [key, value] of Object.entries(logs)) {
    if (key === 'epoch' || typeof value !== 'number') continue;
    (history.history[key] ??= []).push(value);
  }
}

/**
 * Trains `model` on batches from `trainData(epoch)` for `options.epochs` epochs (from `initialEpoch`), validating
 * after each epoch when `validationData` is given. Returns the per-epoch History.
 */
export async function fit(model: tf.LayersModel, trainData: TrainData, options: FitOptions): Promise<History> {
  const heads = findHeads(model);
  const hasGender = heads.gender !== undefined;
  const callbacks = new CallbackList(options.callbacks ?? []);
  const schedule = resolveSchedule(options);
  const seed = options.seed ?? 0;
  const kind = options.loss;
  const genderWeight = options.genderLossWeight ?? 1;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (variables.length === 0) throw new Error('model has no trainable weights');

  const optimizer = createOptimizer(options);

  const initial: TrainState = {
    epoch: options.initialEpoch ?? 0,
    step: options.initialStep ?? 0,
    batch: options.initialBatch ?? 0,
    totals: { ...emptyTotals(), ...options.initialTotals },
  };
  const state: TrainState = { ...initial, totals: { ...initial.totals } };
  const ctx: FitContext = {
    model,
    optimizer,
    preprocessing: options.preprocessing,
    epochs: options.epochs,
    stepsPerEpoch: options.stepsPerEpoch,
    initial: { ...initial, totals: { ...initial.totals } },
    state,
    trainableVariables: variables,
    callbacks: callbacks.callbacks,
    stopTraining: false,
    learningRate: schedule,
  };
  const history: History = { epoch: [], history: {} };
  const iterator = new EpochIterator(trainData, initial, options.epochs);
  let unpatch = () => {};

  const spec: StepSpec = {
    preprocessing: options.preprocessing,
    loss: kind,
    meanVariance: options.meanVariance,
    targets: { ...options.targets, classes: heads.classes },
    genderLossWeight: genderWeight,
    augment: options.augment ?? true,
    ageWeights: options.ageWeights,
    ageHead: heads.age,
    genderHead: heads.gender,
    fusedBatchNorm: options.fusedBatchNorm ?? true,
  };
  const distill = options.distill;
  const teacher = distill ? { model: distill.teacher, weight: distill.weight, sigma: distill.sigma ?? 3 } : undefined;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number >= 1 (got ${workers})`);
  let pool: GradientPool | undefined;

  try {
    if (options.optimizerState) await restoreOptimizerState(optimizer, options.optimizerState, variables);
    unpatch = patchLayersForFit(model, spec);
    if (workers > 1) pool = await startGradientPool(model, variables, workers, spec, teacher);
    const step = createTrainStep(model, variables, optimizer, spec, { pool, teacher });
    await callbacks.onTrainBegin(ctx);
    for (const epoch of iterator.epochNumbers(() => !ctx.stopTraining)) {
      if (epoch !== initial.epoch) {
        state.epoch = epoch;
        state.batch = 0;
        state.totals = emptyTotals();
      }
      await callbacks.onEpochBegin(epoch, ctx);
      for await (const batch of iterator.batches(epoch)) {
        const lr = schedule(state.step);
        const metrics = await step(batch, lr, mixSeed(seed, state.step));
        if (!Number.isFinite(metrics[0])) throw new Error(`loss is ${metrics[0]} at step ${state.step + 1}: lower the learning rate`);
        const logs = recordStep(state, epoch, batch, metrics, lr, iterator.lap(), hasGender);
        await callbacks.onBatchEnd(logs, ctx);
      }
      const logs = epochLogs(state, epoch, schedule, hasGender);
      if (options.validationData) {
        const v = await evaluate(model, options.validationData(), {
          preprocessing: options.preprocessing,
          loss: kind,
          meanVariance: options.meanVariance,
          targets: options.targets,
          genderLossWeight: genderWeight,
        });
        logs.val_loss = v.loss;
        logs.val_mae = v.mae;
        logs.val_cs5 = v.cs5;
        if (v.genderAccuracy !== undefined) logs.val_genderAccuracy = v.genderAccuracy;
        logs.val_n = v.n;
      }
      // The epoch is complete: from here on a checkpoint resumes at the next one.
      state.epoch = epoch + 1;
      state.batch = 0;
      state.totals = emptyTotals();
      addToHistory(history, logs);
      await callbacks.onEpochEnd(logs, ctx);
    }
    await callbacks.onTrainEnd(history, ctx);
    return history;
  } finally {
    unpatch();
    await callbacks.close();
    disposeOptimizer(optimizer);
    await pool?.dispose();
  }
}
