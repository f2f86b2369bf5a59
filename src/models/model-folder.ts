// A TF.js Layers model as a folder: model.json + weights.bin (the layout of `model.save('file://')` with tfjs-node,
// which cannot install here, and which its file:// handler also reads), plus howold.json for howold's own models
// (what the model is and how it wants its input). Read and written by training, export and the TF.js runner.
// fileSystemIO writes each file to a temporary name and renames it into place, weights first, so model.json only
// ever points at complete weights; saveModel replaces the whole folder at once (core/atomic.ts), so a kill never
// leaves a half-written model.
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { recoverDir, replaceDir, writeDurable, writeFileAtomic } from '../core/atomic.js';
import { checkString } from '../core/checks.js';
import { InputError } from '../core/errors.js';
import { readModelMeta, type ModelMeta } from '../core/model-meta.js';
import { tf } from '../tf/backend.js';
import { findHeads } from './heads.js';

export type { ModelMeta };

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** The folder of a model path: a folder, a path to its model.json, or either with a file:// prefix. */
export function modelFolder(path: string): string {
  checkString(path, 'path');
  const plain = path.startsWith('file://') ? path.slice('file://'.length) : path;
  return basename(plain) === MODEL_JSON ? dirname(resolve(plain)) : resolve(plain);
}

/**
 * A tf.io.IOHandler that saves to and loads from a folder (model.json + weights.bin). `options.atomic` (default
 * true) writes each file via a temporary name and a rename; false writes in place, for callers that already fill
 * a temporary folder and swap it in whole (writeModelFiles).
 */
export function fileSystemIO(path: string, options: { atomic?: boolean } = {}): tf.io.IOHandler {
  const folder = modelFolder(path);
  const write = options.atomic === false ? writeDurable : writeFileAtomic;
  const modelJsonPath = join(folder, MODEL_JSON);

  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const topology = artifacts.modelTopology;
      if (topology == null || topology instanceof ArrayBuffer) {
        throw new Error('fileSystemIO saves Layers models only (a JSON model topology)');
      }
      await mkdir(folder, { recursive: true });
      const weights = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      await write(join(folder, WEIGHTS_BIN), new Uint8Array(weights));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: topology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature != null) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer != null) modelJson.modelInitializer = artifacts.modelInitializer;
      await write(modelJsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = await readFile(modelJsonPath, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new InputError('model_not_found', `no TF.js model here (${MODEL_JSON} not found)`, folder);
        }
        throw err;
      }
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as tf.io.ModelJSON;
      } catch {
        throw new InputError('bad_model', `${MODEL_JSON} is not valid JSON`, folder);
      }
      if (modelJson == null || typeof modelJson !== 'object' || modelJson.modelTopology == null) {
        throw new InputError('bad_model', `${MODEL_JSON} has no modelTopology`, folder);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const file of group.paths) {
            let bytes: Buffer;
            try {
              bytes = await readFile(join(folder, file));
            } catch {
              throw new InputError('bad_model', `weights file '${file}' named in ${MODEL_JSON} cannot be read`, folder);
            }
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** Loads a Layers model saved by fileSystemIO (or tfjs-node's file:// handler). */
export function loadLayersModelFromFolder(path: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemIO(path));
}

let routed = false;

/**
 * Makes `model.save('file://dir')` and `tf.loadLayersModel('file://dir')` use fileSystemIO, unless something
 * (tfjs-node) already handles file:// URLs.
 */
export function registerFileSystemRouters(): void {
  if (routed) return;
  routed = true;
  // tf.io routers answer null for URLs they do not handle, though the type says otherwise.
  const route = ((url: string | string[]) =>
    typeof url === 'string' && url.startsWith('file://') ? fileSystemIO(url) : null) as unknown as Parameters<
    typeof tf.io.registerSaveRouter
  >[0];
  if (tf.io.getSaveHandlers('file://probe').length === 0) tf.io.registerSaveRouter(route);
  if (tf.io.getLoadHandlers('file://probe').length === 0) tf.io.registerLoadRouter(route);
}

// ---------------------------------------------------------------------------------------------------------------
// howold model folders: the Layers model and howold.json

export type ModelMetaInput = Omit<ModelMeta, 'format' | 'version' | 'outputs' | 'savedAt'> & Partial<Pick<ModelMeta, 'outputs'>>;

function outputsOf(model: tf.LayersModel): ModelMeta['outputs'] {
  const heads = findHeads(model);
  return { ageClasses: heads.classes, gender: heads.gender !== undefined };
}

/** Writes model.json, weights.bin (fileSystemIO's layout) and howold.json into the folder `tmp` (no swap). */
export async function writeModelFiles(model: tf.LayersModel, tmp: string, meta: ModelMetaInput): Promise<ModelMeta> {
  // the folder is swapped in whole by replaceDir: no need to write each file atomically inside it
  await model.save(fileSystemIO(tmp, { atomic: false }));
  const full: ModelMeta = {
    format: 'howold-model',
    version: 1,
    ...meta,
    outputs: meta.outputs ?? outputsOf(model),
    savedAt: new Date().toISOString(),
  };
  await writeDurable(join(tmp, 'howold.json'), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

/** Saves `model` to `dir` atomically: `dir` holds either the previous complete model or this one. */
export async function saveModel(model: tf.LayersModel, dir: string, meta: ModelMetaInput): Promise<ModelMeta> {
  let written: ModelMeta | undefined;
  await replaceDir(dir, async (tmp) => {
    written = await writeModelFiles(model, tmp, meta);
  });
  return written!;
}

export interface LoadedModel {
  model: tf.LayersModel;
  /** howold.json, when the folder has one (a plain tfjs model folder has not). */
  meta?: ModelMeta;
}

/** Loads a folder written by saveModel (or any model.json + weights folder). */
export async function loadModel(dir: string): Promise<LoadedModel> {
  await recoverDir(dir);
  const model = await loadLayersModelFromFolder(dir);
  return { model, meta: await readModelMeta(dir).catch(() => undefined) };
}
