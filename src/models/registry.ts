// A registry of named architectures, after timm: `createModel('compact-cnn')`, each entry carrying the
// preprocessing its weights expect, so no caller hard-codes input size or normalisation.
import type * as tfTypes from '@tensorflow/tfjs';
import { ArgumentError } from '../core/errors.js';
import { checkString, invalid, isPlainObject } from '../core/checks.js';
import type { Preprocessing } from '../core/types.js';

type LayersModel = tfTypes.LayersModel;

/** Options every builder understands; architectures may read more keys. */
export interface ModelOptions {
  /** Side of the square input (default: the entry's preprocessing.inputSize). */
  inputSize?: number;
  /** Seed for the weight initialisers, for reproducible runs and tests. */
  seed?: number;
  [key: string]: unknown;
}

/**
 * How the trainer should train this model unless told otherwise. Names follow src/train/run.ts (`lr`,
 * `batchSize`, loss 'categoricalCrossentropy' = DEX cross-entropy, targets 'onehot' | 'smooth' | 'gaussian').
 */
export interface DefaultTraining {
  optimizer?: 'sgd' | 'adam';
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  loss?: string;
  batchSize?: number;
  epochs?: number;
  schedule?: 'constant' | 'cosine' | 'step';
  targets?: 'onehot' | 'smooth' | 'gaussian';
  augment?: boolean;
}

export interface ModelDefinition {
  /** Builds an untrained model; `options.inputSize` is always set. May be async (say, to load a backbone). */
  build: (options: ModelOptions & { inputSize: number }) => LayersModel | Promise<LayersModel>;
  preprocessing: Preprocessing;
  description: string;
  defaultTraining?: DefaultTraining;
  /** Names of the output layers, in model output order: 'age' (softmax over ages 0..N-1), optionally 'gender'. */
  outputs?: readonly string[];
}

export interface ModelEntry extends Readonly<Omit<ModelDefinition, 'build'>> {
  readonly name: string;
  readonly outputs: readonly string[];
}

const entries = new Map<string, ModelDefinition & { name: string }>();

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Adds an architecture. Names are lower-case, without dots (a dot separates the weights tag: 'name.tag'). */
export function registerModel(name: string, definition: ModelDefinition): void {
  checkString(name, 'model name');
  if (!NAME.test(name)) throw invalid('a lower-case name of letters, digits, - and _', 'model name', name);
  if (!isPlainObject(definition) || typeof definition.build !== 'function') {
    throw invalid('an object with a build function', `model '${name}'`, definition);
  }
  if (entries.has(name)) throw new ArgumentError(`Model '${name}' is already registered`);
  entries.set(name, { ...definition, name });
}

/** 'compact-cnn.utkface' -> ['compact-cnn', 'utkface']. */
export function parseModelName(name: string): { arch: string; tag?: string } {
  checkString(name, 'model name');
  const dot = name.indexOf('.');
  return dot < 0 ? { arch: name } : { arch: name.slice(0, dot), tag: name.slice(dot + 1) };
}

function lookup(name: string): ModelDefinition & { name: string } {
  const { arch } = parseModelName(name);
  const entry = entries.get(arch);
  if (!entry) {
    throw new ArgumentError(`Expected a registered model name for model but received '${name}' (known: ${[...entries.keys()].join(', ')})`);
  }
  return entry;
}

function describeEntry(entry: ModelDefinition & { name: string }): ModelEntry {
  const { build: _build, ...rest } = entry;
  return Object.freeze({ ...rest, outputs: entry.outputs ?? ['age'] });
}

/** The entry of a model name; 'name.tag' resolves to the architecture 'name'. */
export function getModelEntry(name: string): ModelEntry {
  return describeEntry(lookup(name));
}

/** Every registered architecture, in registration order. */
export function listModels(): ModelEntry[] {
  return [...entries.values()].map(describeEntry);
}

function buildOptions(entry: ModelDefinition, options: ModelOptions): ModelOptions & { inputSize: number } {
  if (!isPlainObject(options)) throw invalid('an object', 'model options', options);
  if (options.pretrained) {
    throw new ArgumentError('createModel builds untrained architectures; load trained weights from a saved model folder');
  }
  return { ...options, inputSize: options.inputSize ?? entry.preprocessing.inputSize };
}

/**
 * Builds the untrained architecture `name` ('name.tag' builds 'name', as timm does without pretrained=True).
 * Throws for architectures whose builder is async: use createModelAsync for those.
 */
export function createModel(name: string, options: ModelOptions = {}): LayersModel {
  const entry = lookup(name);
  const model = entry.build(buildOptions(entry, options));
  if (model instanceof Promise) {
    model.then((m) => m.dispose(), () => undefined);
    throw new ArgumentError(`Model '${entry.name}' builds asynchronously: use createModelAsync`);
  }
  return model;
}

/** createModel for every architecture, sync or async builder alike. */
export async function createModelAsync(name: string, options: ModelOptions = {}): Promise<LayersModel> {
  const entry = lookup(name);
  return entry.build(buildOptions(entry, options));
}
