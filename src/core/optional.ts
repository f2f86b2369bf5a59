// The optional dependencies (package.json peerDependenciesMeta) and the one line that tells how to add them.
// Inference (`howold`, `howold/browser`) needs none of them; training, export and the TF.js engine need TF.js.

import { HowoldError } from './errors.js';

/** The install command for TF.js and face-api's weights (training, `howold/export`, the TF.js engines). */
export const TFJS_INSTALL = 'npm install @tensorflow/tfjs@^4.22.0 @tensorflow/tfjs-backend-wasm@^4.22.0 @vladmandic/face-api@^1.7.15';

/** The install command for onnxruntime-node (native, ~4x faster than the onnxruntime-web wasm howold falls back to). */
export const ONNXRUNTIME_NODE_INSTALL = 'npm install onnxruntime-node --onnxruntime-node-install=skip';

/** Whether `err` is Node's "cannot find package" for one of the optional TF.js packages. */
export function isMissingTfjs(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === 'ERR_MODULE_NOT_FOUND' && /'@tensorflow\/|'@vladmandic\/face-api/.test(e.message);
}

/** The 'missing_dependency' error for `what` when `err` says an optional TF.js package is not installed, else undefined. */
export function missingTfjs(err: unknown, what: string): HowoldError | undefined {
  return isMissingTfjs(err) ? new HowoldError('missing_dependency', `${what} needs the optional TF.js dependencies: ${TFJS_INSTALL}`) : undefined;
}
