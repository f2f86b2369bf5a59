// The age model on TF.js behind the ModelRunner interface: the 'tfjs' engine, and the fallback when no onnxruntime
// loads. Imported lazily (TF.js is an optional dependency that `howold` itself never loads).
import { initBackend, tf } from '../tf/backend.js';
import { uniqueNames } from '../models/heads.js';
import { loadLayersModelFromFolder } from '../models/model-folder.js';
import { HowoldError } from '../core/errors.js';
import { imageShape, modelRunner, type ModelRunner } from './ort-runner.js';

/** Runs a TF.js Layers model behind the same interface (outputs named after the output layers); owns the model. */
export function createTfjsRunner(model: tf.LayersModel, note?: string): ModelRunner {
  if (model.inputs.length !== 1) throw new HowoldError('bad_model', `expected a model with one input, got ${model.inputs.length}`);
  const inputShape = imageShape(model.inputs[0]!.shape, 'TF.js model');
  // named exactly as exportOnnx names its outputs, so both engines answer with the same keys
  const outputNames = uniqueNames(model.outputs.map((t) => t.sourceLayer.name), new Set());
  return modelRunner({
    engine: 'tfjs',
    ...(note === undefined ? {} : { note }),
    inputShape,
    outputNames,
    async run(input, batch) {
      const outputs = tf.tidy(() => {
        const y = model.predict(tf.tensor4d(input, [batch, ...inputShape]));
        return Array.isArray(y) ? y : [y];
      });
      try {
        const data = await Promise.all(outputs.map((t) => t.data<'float32'>()));
        return Object.fromEntries(outputNames.map((name, i) => [name, data[i] as Float32Array]));
      } finally {
        outputs.forEach((t) => t.dispose());
      }
    },
    release: () => {
      model.dispose();
    },
  });
}

/** The TF.js model of a model folder (model.json + weights), on the process's TF.js backend. */
export async function tfjsRunnerFromFolder(dir: string, note?: string): Promise<ModelRunner> {
  await initBackend();
  return createTfjsRunner(await loadLayersModelFromFolder(dir), note);
}
