// The gradient of the photo, skipped. tfjs-layers runs every Conv2D through tfjs-core's fused conv2d, a custom
// gradient that computes the gradients of all its inputs, the layer's input included, whether anything needs it or
// not. For a convolution fed by the model's input (the photo) nothing does: that Conv2DBackpropInput was 20.6 ms of
// an 830 ms compact-CNN step at batch 32 (a one-off tf.profile). While a fit runs, those layers call the same convolution unfused, and
// autodiff then prunes the input's gradient.
import { tf } from '../tf/backend.js';
import { overrideCalls } from './trainable.js';

interface ConvFields {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: [number, number];
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
}

function fedByModelInput(layer: tf.layers.Layer): boolean {
  const nodes = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
  return nodes.length > 0 && nodes.every((n) => n.inboundLayers.length > 0 && n.inboundLayers.every((l) => l.getClassName() === 'InputLayer'));
}

/** Makes the trainable Conv2D layers fed by the model's input skip their input's gradient; the returned function undoes it. */
export function skipInputGradients(model: tf.LayersModel): () => void {
  const first = model.layers.filter((layer) => {
    const conv = layer as unknown as ConvFields;
    return layer.getClassName() === 'Conv2D' && layer.trainable && fedByModelInput(layer) && conv.dataFormat === 'channelsLast' && (conv.padding === 'same' || conv.padding === 'valid');
  });
  return overrideCalls(first, (original, layer) => {
    const conv = layer as unknown as ConvFields;
    return (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (x.rank !== 4) return original(inputs, kwargs);
      return tf.tidy(() => {
        let y: tf.Tensor = tf.conv2d(x as tf.Tensor4D, conv.kernel.read() as tf.Tensor4D, conv.strides, conv.padding as 'same' | 'valid', 'NHWC', conv.dilationRate);
        if (conv.bias) y = tf.add(y, conv.bias.read());
        return conv.activation ? conv.activation.apply(y) : y;
      });
    };
  });
}
