// The layer patches a fit runs under, each undone when it ends: frozen BatchNorm layers in inference mode
// (trainable.ts), BatchNorm's closed-form gradient (batch-norm.ts) and the photo's gradient skipped
// (input-conv.ts). fit() and its gradient workers apply the same ones.
import type { tf } from '../tf/backend.js';
import { fuseBatchNormGradients } from './batch-norm.js';
import { skipInputGradients } from './input-conv.js';
import { freezeBatchNormStatistics } from './trainable.js';

export function patchLayersForFit(model: tf.LayersModel, options: { fusedBatchNorm: boolean }): () => void {
  const undo = [freezeBatchNormStatistics(model), options.fusedBatchNorm ? fuseBatchNormGradients(model) : () => {}, skipInputGradients(model)];
  return () => {
    for (const restore of [...undo].reverse()) restore();
  };
}
