// Which layers train: unfreezing a pretrained backbone by layer-name prefix, and keeping frozen BatchNorm layers
// in inference mode while they are frozen.
import { tf } from '../tf/backend.js';

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

function allLayers(layer: tf.layers.Layer, ancestorFrozen: boolean, out: { layer: tf.layers.Layer; frozen: boolean }[]): void {
  const frozen = ancestorFrozen || !layer.trainable;
  out.push({ layer, frozen });
  const children = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(children)) for (const child of children) allLayers(child, frozen, out);
}

/** Every BatchNormalization layer of the model (nested models included), and whether it is frozen. */
export function batchNormLayers(model: tf.LayersModel): { layer: tf.layers.Layer; frozen: boolean }[] {
  const found: { layer: tf.layers.Layer; frozen: boolean }[] = [];
  allLayers(model, false, found);
  return found
    .filter(({ layer }) => layer.getClassName() === 'BatchNormalization')
    .map(({ layer, frozen }) => ({ layer, frozen: frozen || (layer.trainableWeights.length === 0 && layer.nonTrainableWeights.length > 2) }));
}

/**
 * tfjs-layers runs BatchNormalization in training mode (batch statistics, moving averages updated) even when the
 * layer is frozen; Keras 2 runs a frozen BN in inference mode, which is what fine-tuning on a frozen backbone
 * needs. This forces that for the duration of a fit; the returned function undoes it.
 */
export function freezeBatchNormStatistics(model: tf.LayersModel): () => void {
  const patched: tf.layers.Layer[] = [];
  for (const { layer, frozen } of batchNormLayers(model)) {
    if (!frozen) continue;
    const original = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => original(inputs, { ...kwargs, training: false });
    patched.push(layer);
  }
  return () => {
    for (const layer of patched) delete (layer as unknown as Record<string, unknown>).call;
  };
}
