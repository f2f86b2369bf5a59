// Optimizers for the custom loop: creation, a learning rate that can change every step, and saving/restoring
// their state (iteration count and slot variables) for checkpoints.
import { tf } from '../tf/backend.js';

/** tfjs-core's NamedTensor, which the tfjs bundle does not re-export. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export type OptimizerKind = 'sgd' | 'adam';
export const OPTIMIZERS: readonly OptimizerKind[] = ['sgd', 'adam'];

export interface OptimizerConfig {
  optimizer: OptimizerKind;
  lr: number;
  /** SGD momentum (0 = plain SGD); ignored by Adam. */
  momentum?: number;
  nesterov?: boolean;
}

/** The tf.Optimizer class a config makes (checkpoints record it, so a resumed run knows if its state still fits). */
export function optimizerClassName(config: OptimizerConfig): 'Adam' | 'Momentum' | 'SGD' {
  if (config.optimizer === 'adam') return 'Adam';
  return (config.momentum ?? 0) > 0 || config.nesterov ? 'Momentum' : 'SGD';
}

export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  const kind = optimizerClassName(config);
  if (kind === 'Adam') return tf.train.adam(config.lr);
  if (kind === 'Momentum') return tf.train.momentum(config.lr, config.momentum ?? 0, config.nesterov ?? false);
  return tf.train.sgd(config.lr);
}

export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const fields = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (fields.learningRate === lr) return;
  // SGD and Momentum keep a -lr scalar that setLearningRate rebuilds; Adam and the others read the plain field on
  // every update. (instanceof is no help here: tfjs's Optimizer overrides Symbol.hasInstance for all subclasses.)
  if (typeof fields.setLearningRate === 'function') fields.setLearningRate(lr);
  else fields.learningRate = lr;
}

/** How many slot tensors per trainable variable an optimizer keeps. */
function slotsPerVariable(optimizer: tf.Optimizer): number {
  const name = optimizer.getClassName();
  if (name === 'Adam') return 2;
  if (name === 'Momentum') return 1;
  return 0;
}

/** The optimizer's state: `iter` first, then its slot variables in trainable-variable order (tfjs's own order). */
export async function optimizerState(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  return optimizer.getWeights();
}

/**
 * Restores state saved by `optimizerState`. Slot variables are matched to the trainable variables by position
 * (as tfjs's optimizers do), so they are restored only if their count and shapes match `variables`; otherwise
 * (say the set of frozen layers changed) only the iteration count is restored and the slots start at zero.
 * Returns whether the slots were restored.
 */
export async function restoreOptimizerState(
  optimizer: tf.Optimizer,
  state: NamedTensor[],
  variables: tf.Variable[],
): Promise<boolean> {
  const [iter, ...slots] = state;
  if (!iter) return false;
  const per = slotsPerVariable(optimizer);
  const matches =
    slots.length === per * variables.length &&
    slots.every((s, i) => tf.util.arraysEqual(s.tensor.shape, variables[i % variables.length]!.shape));
  if (matches) {
    await optimizer.setWeights(state);
    return per > 0;
  }
  await optimizer.setWeights([iter]);
  return false;
}

/** Disposes an optimizer and everything it holds (Momentum's dispose forgets SGD's learning-rate scalar). */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}
