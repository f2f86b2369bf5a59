// Training kernels for the TF.js wasm backend: the gradients it lacks, and faster versions of kernels that are
// slow on the backward pass. Each is composed from kernels the backend runs through XNNPACK.
import * as tf from '@tensorflow/tfjs-core';
// The wasm package registers its own kernels when imported: it must be loaded before ours replace some.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilter, makeConv2DBackpropInput } from './conv.js';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './depthwise.js';
import { makeMaxPoolGrad } from './pool.js';
import { makeIdentity, makeMean, makeSum, makeTile } from './reduce.js';

const BACKEND = 'wasm';

/** Kernels the wasm backend does not ship; registered whenever it still lacks them. */
export const ADDED_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/** Shipped kernels that can be replaced by faster compositions. */
export const REPLACEABLE_KERNELS = ['Conv2DBackpropInput', 'Sum', 'Mean', 'Tile', 'MaxPoolGrad', 'Identity'] as const;
export type ReplaceableKernel = (typeof REPLACEABLE_KERNELS)[number];

/** Replacements that made the compact-CNN training step faster when measured (see BENCHMARKS.md). */
export const DEFAULT_REPLACEMENTS: readonly ReplaceableKernel[] = REPLACEABLE_KERNELS;

export interface TrainingKernelOptions {
  /** Which shipped kernels to replace: true = DEFAULT_REPLACEMENTS (the default), false = none. */
  replace?: boolean | readonly ReplaceableKernel[];
}

const added: Record<(typeof ADDED_KERNELS)[number], tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput,
};

const replacements: Record<ReplaceableKernel, (shipped: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Sum: makeSum,
  Mean: makeMean,
  Tile: makeTile,
  MaxPoolGrad: makeMaxPoolGrad,
  Identity: makeIdentity,
};

/** Our registered configs, and for replacements the shipped config to restore. */
const ours = new Map<string, { config: tf.KernelConfig; shipped?: tf.KernelConfig }>();

function isOurs(name: string): boolean {
  const entry = ours.get(name);
  return entry !== undefined && tf.getKernel(name, BACKEND) === entry.config;
}

/**
 * Makes the wasm backend able to train conv nets, fast. Idempotent: calling it again (with the same or more
 * replacements) changes only what is not registered yet. Returns the names of the kernels that are ours.
 */
export function registerTrainingKernels(options: TrainingKernelOptions = {}): string[] {
  const replace = options.replace ?? true;
  const wanted: readonly ReplaceableKernel[] = replace === true ? DEFAULT_REPLACEMENTS : replace === false ? [] : replace;

  for (const name of ADDED_KERNELS) {
    if (isOurs(name) || tf.getKernel(name, BACKEND) !== undefined) continue;
    const config: tf.KernelConfig = { kernelName: name, backendName: BACKEND, kernelFunc: added[name] };
    tf.registerKernel(config);
    ours.set(name, { config });
  }
  for (const name of wanted) {
    if (isOurs(name)) continue;
    const shipped = tf.getKernel(name, BACKEND);
    const kernelFunc = replacements[name](
      shipped?.kernelFunc ??
        (() => {
          throw new Error(`${name} has no shipped wasm kernel to fall back to`);
        }),
    );
    // The shipped kernel's setup (binding its wasm function) must still run if the backend initialises later,
    // since ours falls back to it for the cases it does not cover.
    const config: tf.KernelConfig = {
      kernelName: name,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: shipped?.setupFunc,
      disposeFunc: shipped?.disposeFunc,
    };
    if (shipped !== undefined) tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(config);
    ours.set(name, { config, shipped });
  }
  return [...ours.keys()].filter(isOurs);
}

/** Puts back the wasm kernels as shipped (the added ones are removed); for benchmarks and tests. */
export function restoreShippedKernels(): void {
  for (const [name, entry] of ours) {
    if (tf.getKernel(name, BACKEND) === entry.config) {
      tf.unregisterKernel(name, BACKEND);
      if (entry.shipped !== undefined) tf.registerKernel(entry.shipped);
    }
    ours.delete(name);
  }
}
