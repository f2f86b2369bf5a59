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

type LayerCall = tf.layers.Layer['call'];

/**
 * Gives each layer its own `call`, made by `wrap` from the class's (bound), until the returned function undoes it.
 * A layer that already has one is left alone, so two patches never stack on one layer.
 */
export function overrideCalls<L extends tf.layers.Layer>(layers: L[], wrap: (original: LayerCall, layer: L) => LayerCall): () => void {
  const patched = layers.filter((layer) => !Object.hasOwn(layer, 'call'));
  for (const layer of patched) layer.call = wrap(layer.call.bind(layer), layer);
  return () => {
    for (const layer of patched) delete (layer as unknown as Record<string, unknown>).call;
  };
}

/**
 * tfjs-layers runs BatchNormalization in training mode (batch statistics, moving averages updated) even when the
 * layer is frozen; Keras 2 runs a frozen BN in inference mode, which is what fine-tuning on a frozen backbone
 * needs. This forces that for the duration of a fit; the returned function undoes it.
 */
export function freezeBatchNormStatistics(model: tf.LayersModel): () => void {
  const frozen = batchNormLayers(model).filter((l) => l.frozen).map((l) => l.layer);
  return overrideCalls(frozen, (original) => (inputs, kwargs) => original(inputs, { ...kwargs, training: false }));
}
