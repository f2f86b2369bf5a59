// Checkpoints: everything a killed run needs to continue, written atomically into one folder.
//
//   checkpoint/model.json, weights.bin, howold.json   the model (as saveModel writes it)
//   checkpoint/optimizer.json + optimizer.bin         optimizer class, config and state (iterations, slot variables)
//   checkpoint/state.json                             TrainState + callback states (see CheckpointState)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HowoldError } from '../core/errors.js';
import { tf } from '../tf/backend.js';
import { recoverDir, replaceDir, writeDurable } from '../core/atomic.js';
import { loadModel, writeModelFiles, type ModelMeta, type ModelMetaInput } from '../models/model-folder.js';
import { optimizerState, type NamedTensor } from './optimizers.js';
import type { TrainState } from './types.js';

export interface CheckpointState extends TrainState {
  /** Callback states by callback name (early stopping's patience count, best value so far, ...). */
  callbacks: Record<string, unknown>;
  savedAt: string;
}

interface OptimizerFile {
  className: string;
  config: Record<string, unknown>;
  weights: tf.io.WeightsManifestEntry[];
}

export interface CheckpointInput {
  model: tf.LayersModel;
  optimizer?: tf.Optimizer;
  state: TrainState;
  callbacks?: Record<string, unknown>;
  meta: ModelMetaInput;
}

export async function saveCheckpoint(dir: string, input: CheckpointInput): Promise<void> {
  await replaceDir(dir, async (tmp) => {
    await writeModelFiles(input.model, tmp, { ...input.meta, epoch: input.state.epoch, step: input.state.step });
    if (input.optimizer) {
      const weights = await optimizerState(input.optimizer);
      try {
        const { data, specs } = await tf.io.encodeWeights(weights);
        const file: OptimizerFile = {
          className: input.optimizer.getClassName(),
          config: input.optimizer.getConfig() as Record<string, unknown>,
          weights: specs,
        };
        await writeDurable(join(tmp, 'optimizer.bin'), new Uint8Array(data));
        await writeDurable(join(tmp, 'optimizer.json'), JSON.stringify(file));
      } finally {
        // getWeights() makes a fresh 'iter' scalar each call; the slots are the optimizer's own variables.
        weights[0]?.tensor.dispose();
      }
    }
    const state: CheckpointState = {
      epoch: input.state.epoch,
      step: input.state.step,
      batch: input.state.batch,
      totals: { ...input.state.totals },
      callbacks: input.callbacks ?? {},
      savedAt: new Date().toISOString(),
    };
    await writeDurable(join(tmp, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  });
}

export interface LoadedCheckpoint {
  model: tf.LayersModel;
  meta?: ModelMeta;
  state: CheckpointState;
  /** In tfjs order ('iter' first); the caller owns (and disposes) the tensors. */
  optimizerState?: NamedTensor[];
  optimizerClass?: string;
}

export async function readCheckpointState(dir: string): Promise<CheckpointState | undefined> {
  await recoverDir(dir);
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  } catch {
    return undefined;
  }
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const state = await readCheckpointState(dir);
  if (!state) throw new HowoldError('no_checkpoint', 'no complete checkpoint to resume from', dir);
  const { model, meta } = await loadModel(dir);
  let optimizer: NamedTensor[] | undefined;
  let optimizerClass: string | undefined;
  try {
    const file = JSON.parse(await readFile(join(dir, 'optimizer.json'), 'utf8')) as OptimizerFile;
    const bytes = await readFile(join(dir, 'optimizer.bin'));
    const map = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), file.weights);
    optimizer = file.weights.map((spec) => ({ name: spec.name, tensor: map[spec.name]! }));
    optimizerClass = file.className;
  } catch {
    optimizer = undefined;
  }
  return { model, meta, state, optimizerState: optimizer, optimizerClass };
}
