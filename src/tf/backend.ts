// One place that picks and initialises the TF.js backend for the whole process.
// @tensorflow/tfjs-node is the fast native path where a user has it installed (it cannot install here:
// its install script downloads libtensorflow); otherwise WebAssembly, which runs everywhere.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let ready: Promise<string> | undefined;

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export function initBackend(preferred?: BackendName): Promise<string> {
  ready ??= (async () => {
    const wanted = preferred ?? (process.env.HOWOLD_BACKEND as BackendName | undefined);
    if (wanted === undefined || wanted === 'tensorflow') {
      try {
        await import('@tensorflow/tfjs-node' as string);
        if (await tf.setBackend('tensorflow')) return 'tensorflow';
      } catch {
        // not installed: fall through to wasm
      }
    }
    const name = wanted === 'cpu' ? 'cpu' : 'wasm';
    if (!(await tf.setBackend(name))) throw new Error(`TF.js backend '${name}' failed to initialise`);
    await tf.ready();
    return name;
  })();
  return ready;
}

export { tf };
