// A Keras-style fit() with a custom training loop: it streams FaceBatches, supports the mean-variance loss and
// an optional gender head, and updates only trainable weights.
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { findHeads } from '../models/heads.js';
import { tf } from '../tf/backend.js';
import { ageLoss, crossEntropyPerSample, expectedAgeOf, weightedMean, type AgeLossKind, type MeanVarianceOptions } from './losses.js';
import { createOptimizer, disposeOptimizer, restoreOptimizerState, setLearningRate, type NamedTensor, type OptimizerKind } from './optimizers.js';
import { mixSeed } from '../core/rng.js';
import { constant, createSchedule, type Schedule, type ScheduleSpec } from './schedules.js';
import { batchToInput, batchToTargets, type Augmentation, type TargetSpec } from './tensors.js';
import { startGradientPool, type GradientPool } from './parallel.js';
import { batchMetrics, outputsOf, stepGradients, type StepSpec } from './step.js';

export { gaussianTargets } from './step.js';
import { emptyTotals, type Callback, type EpochLogs, type FitContext, type History, type StepLogs, type TrainState } from './types.js';

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
}

export interface DistillOptions {
  /** A model whose first output is an age in years, [n, 1] (say face-api's own AgeGenderNet regression). */
  teacher: tf.LayersModel;
  /** Share of the teacher in the target, 0..1. */
  weight: number;
  /** Spread of the Gaussian target around the teacher's age, years. Default 3. */
  sigma?: number;
}


/**
 * Training batches for one epoch. Called once per epoch with the epoch number, so a data source can seed its
 * shuffle by epoch and a resumed run sees the same order.
 */
export type TrainData = (epoch: number) => AsyncIterable<FaceBatch>;

function allLayers(layer: tf.layers.Layer, ancestorFrozen: boolean, out: { layer: tf.layers.Layer; frozen: boolean }[]): void {
  const frozen = ancestorFrozen || !layer.trainable;
  out.push({ layer, frozen });
  const children = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(children)) for (const child of children) allLayers(child, frozen, out);
}

/**
 * tfjs-layers runs BatchNormalization in training mode (batch statistics, moving averages updated) even when the
 * layer is frozen; Keras 2 runs a frozen BN in inference mode, which is what fine-tuning on a frozen backbone
 * needs. This forces that for the duration of a fit; the returned function undoes it.
 */
export function freezeBatchNormStatistics(model: tf.LayersModel): () => void {
  const found: { layer: tf.layers.Layer; frozen: boolean }[] = [];
  allLayers(model, false, found);
  const patched: tf.layers.Layer[] = [];
  for (const { layer, frozen } of found) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const weightsFrozen = layer.trainableWeights.length === 0 && layer.nonTrainableWeights.length > 2;
    if (!frozen && !weightsFrozen) continue;
    const original = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => original(inputs, { ...kwargs, training: false });
    patched.push(layer);
  }
  return () => {
    for (const layer of patched) delete (layer as unknown as Record<string, unknown>).call;
  };
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



/** Averages of a whole pass over `data` in inference mode. */
export interface EvalMetrics {
  n: number;
  loss: number;
  mae: number;
  /** Share of faces with |predicted - true| <= 5 years. */
  cs5: number;
  genderAccuracy?: number;
  genderN: number;
}

export interface EvaluateOptions {
  preprocessing: Preprocessing;
  loss?: AgeLossKind;
  meanVariance?: MeanVarianceOptions;
  targets?: Omit<TargetSpec, 'classes'>;
  genderLossWeight?: number;
}

export async function evaluate(model: tf.LayersModel, data: AsyncIterable<FaceBatch>, options: EvaluateOptions): Promise<EvalMetrics> {
  const heads = findHeads(model);
  const kind = options.loss ?? 'dex';
  const genderWeight = options.genderLossWeight ?? 1;
  let n = 0;
  let loss = 0;
  let absError = 0;
  let within5 = 0;
  let genderCorrect = 0;
  let genderN = 0;
  for await (const batch of data) {
    if (batch.count === 0) continue;
    const values = tf.tidy(() => {
      const x = batchToInput(batch, options.preprocessing);
      const t = batchToTargets(batch, { ...options.targets, classes: heads.classes });
      const outs = outputsOf(model, x, false);
      const probs = outs[heads.age] as tf.Tensor2D;
      let total = ageLoss(kind, t.age, probs, t.ages, options.meanVariance);
      const gender = heads.gender !== undefined ? (outs[heads.gender] as tf.Tensor2D) : undefined;
      if (gender) total = tf.add(total, tf.mul(genderWeight, weightedMean(crossEntropyPerSample(t.gender, gender), t.genderWeight)));
      const m = batchMetrics(probs, t.ages, gender, t.gender, t.genderWeight);
      return tf.stack([total, m.absError, tf.sum(tf.cast(tf.lessEqual(m.errors, 5), 'float32')), m.correct, tf.sum(t.genderWeight)]);
    });
    const [l, ae, w5, gc, gn] = await values.data();
    values.dispose();
    loss += l! * batch.count;
    absError += ae!;
    within5 += w5!;
    if (heads.gender !== undefined) {
      genderCorrect += gc!;
      genderN += gn!;
    }
    n += batch.count;
  }
  return {
    n,
    loss: n ? loss / n : Number.NaN,
    mae: n ? absError / n : Number.NaN,
    cs5: n ? within5 / n : Number.NaN,
    genderAccuracy: genderN > 0 ? genderCorrect / genderN : undefined,
    genderN,
  };
}

async function runCallbacks(callbacks: Callback[], call: (cb: Callback) => void | Promise<void>): Promise<void> {
  for (const cb of callbacks) await call(cb);
}

/**
 * Trains `model` on batches from `trainData(epoch)` for `options.epochs` epochs (from `initialEpoch`), validating
 * after each epoch when `validationData` is given. Returns the per-epoch History.
 */
export async function fit(model: tf.LayersModel, trainData: TrainData, options: FitOptions): Promise<History> {
  const heads = findHeads(model);
  const callbacks = options.callbacks ?? [];
  const schedule = resolveSchedule(options);
  const seed = options.seed ?? 0;
  const kind = options.loss;
  const genderWeight = options.genderLossWeight ?? 1;
  const augment = options.augment ?? true;
  const targetSpec: TargetSpec = { ...options.targets, classes: heads.classes };
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
    callbacks,
    stopTraining: false,
    learningRate: schedule,
  };
  const history: History = { epoch: [], history: {} };
  let unfreeze = () => {};

  const spec: StepSpec = {
    preprocessing: options.preprocessing,
    loss: kind,
    meanVariance: options.meanVariance,
    targets: targetSpec,
    genderLossWeight: genderWeight,
    augment,
    ageWeights: options.ageWeights,
    ageHead: heads.age,
    genderHead: heads.gender,
  };
  const distill = options.distill;
  const teacher = distill ? { model: distill.teacher, weight: distill.weight, sigma: distill.sigma ?? 3 } : undefined;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number >= 1 (got ${workers})`);
  if (workers > 1 && teacher) throw new Error('distillation runs on one worker only (the teacher is not copied to the workers)');
  let pool: GradientPool | undefined;
  const apply = (grads: tf.Tensor[], lr: number) => {
    setLearningRate(optimizer, lr);
    // By position, so each optimizer slot stays tied to the same variable whatever the gradient order.
    optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
  };
  const step = async (batch: FaceBatch, lr: number): Promise<number[]> => {
    const seedOfStep = mixSeed(seed, state.step);
    if (pool) {
      const { grads, metrics } = await pool.gradients(batch, seedOfStep, (part, s) => stepGradients(model, variables, part, spec, s));
      tf.tidy(() => apply(grads, lr));
      tf.dispose(grads);
      return metrics;
    }
    const metrics = tf.tidy(() => {
      const r = stepGradients(model, variables, batch, spec, seedOfStep, teacher);
      apply(r.grads, lr);
      return r.metrics;
    });
    const values = Array.from(await metrics.data());
    metrics.dispose();
    return values;
  };

  try {
    if (options.optimizerState) await restoreOptimizerState(optimizer, options.optimizerState, variables);
    unfreeze = freezeBatchNormStatistics(model);
    if (workers > 1) pool = await startGradientPool(model, variables, workers, spec);
    await runCallbacks(callbacks, (cb) => cb.onTrainBegin?.(ctx));
    for (let epoch = initial.epoch; epoch < options.epochs && !ctx.stopTraining; epoch++) {
      if (epoch !== initial.epoch) {
        state.epoch = epoch;
        state.batch = 0;
        state.totals = emptyTotals();
      }
      await runCallbacks(callbacks, (cb) => cb.onEpochBegin?.(epoch, ctx));
      let skip = epoch === initial.epoch ? initial.batch : 0;
      let last = performance.now();
      for await (const batch of trainData(epoch)) {
        if (skip > 0) {
          skip -= 1;
          last = performance.now();
          continue;
        }
        if (batch.count === 0) continue;
        const lr = schedule(state.step);
        const [loss, lossAge, absError, lossGender, genderCorrect, genderCount] = await step(batch, lr);
        if (!Number.isFinite(loss)) throw new Error(`loss is ${loss} at step ${state.step + 1}: lower the learning rate`);
        const now = performance.now();
        const seconds = (now - last) / 1000;
        last = now;
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
        if (heads.gender !== undefined) {
          logs.genderLoss = lossGender;
          if (genderCount! > 0) logs.genderAccuracy = genderCorrect! / genderCount!;
        }
        await runCallbacks(callbacks, (cb) => cb.onBatchEnd?.(logs, ctx));
      }
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
      if (heads.gender !== undefined && t.genderCount > 0) logs.genderAccuracy = t.genderCorrect / t.genderCount;
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
      history.epoch.push(epoch);
      for (const [key, value] of Object.entries(logs)) {
        if (key === 'epoch' || typeof value !== 'number') continue;
        (history.history[key] ??= []).push(value);
      }
      await runCallbacks(callbacks, (cb) => cb.onEpochEnd?.(logs, ctx));
    }
    await runCallbacks(callbacks, (cb) => cb.onTrainEnd?.(history, ctx));
    return history;
  } finally {
    unfreeze();
    for (const cb of callbacks) {
      try {
        await cb.close?.();
      } catch {
        // closing must not hide the error that ended training
      }
    }
    disposeOptimizer(optimizer);
    await pool?.dispose();
  }
}
