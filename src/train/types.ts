// Types shared by the training loop and its callbacks.
import type { Preprocessing } from '../core/types.js';
import type { tf } from '../tf/backend.js';

/** Logged after every optimizer step. `step` counts updates since the run began (1 after the first). */
export interface StepLogs {
  epoch: number;
  step: number;
  /** Batches done in this epoch, this one included. */
  batch: number;
  size: number;
  loss: number;
  ageLoss: number;
  mae: number;
  genderLoss?: number;
  genderAccuracy?: number;
  lr: number;
  /** Images per second over this step, data loading included. */
  imagesPerSecond: number;
}

/** Logged after each epoch: training averages over the epoch, then validation metrics with a `val_` prefix. */
export interface EpochLogs {
  epoch: number;
  step: number;
  samples: number;
  seconds: number;
  imagesPerSecond: number;
  loss: number;
  mae: number;
  genderAccuracy?: number;
  lr: number;
  val_loss?: number;
  val_mae?: number;
  val_cs5?: number;
  val_genderAccuracy?: number;
  val_n?: number;
}

/** Running sums of the current epoch (saved in checkpoints so a resumed epoch reports whole-epoch averages). */
export interface EpochTotals {
  samples: number;
  loss: number;
  absError: number;
  genderCorrect: number;
  genderCount: number;
  seconds: number;
}

/** Where training is: checkpoints store it, `fit` resumes from it. */
export interface TrainState {
  /** The epoch in progress (0-based). */
  epoch: number;
  /** Optimizer steps done since the run began. */
  step: number;
  /** Batches of `epoch` already trained on (skipped when resuming). */
  batch: number;
  totals: EpochTotals;
}

export function emptyTotals(): EpochTotals {
  return { samples: 0, loss: 0, absError: 0, genderCorrect: 0, genderCount: 0, seconds: 0 };
}

/** What callbacks see: the live model, optimizer and state, and a flag to stop after the current epoch. */
export interface FitContext {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  preprocessing: Preprocessing;
  epochs: number;
  /** Batches per epoch when known (for progress and ETA). */
  stepsPerEpoch?: number;
  /** The state training started from (non-zero when resuming). */
  initial: TrainState;
  state: TrainState;
  /** The variables the optimizer updates, in the order its slots follow. */
  trainableVariables: tf.Variable[];
  callbacks: Callback[];
  stopTraining: boolean;
  /** Learning rate at a global step. */
  learningRate(step: number): number;
}

/**
 * A training callback, after Keras. All methods are optional and may be async; they run in the order given.
 * `name` + `getState`/`setState` let a Checkpoint save and restore a callback's own state (say, the best value
 * so far) with the weights.
 */
export interface Callback {
  readonly name?: string;
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: FitContext): void | Promise<void>;
  onBatchEnd?(logs: StepLogs, ctx: FitContext): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, ctx: FitContext): void | Promise<void>;
  onTrainEnd?(history: History, ctx: FitContext): void | Promise<void>;
  /** Always called last, also when training threw: release terminals, files, tensors. */
  close?(): void | Promise<void>;
  getState?(): unknown;
  setState?(state: unknown): void;
}

/** Per-epoch metrics, as tfjs-layers' History: `history.val_mae[i]` belongs to `epoch[i]`. */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}
