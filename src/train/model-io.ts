// Saving and loading trained models as a folder: model.json + weights.bin (export/fs-io.ts's layout, which
// tfjs-node's file:// handler also reads) and howold.json (what the model is and how it wants its input).
// The folder is replaced as a whole (atomic.ts), so a kill never leaves a half-written model.
import { join } from 'node:path';
import { readModelMeta, type ModelMeta } from '../core/model-meta.js';
import { fileSystemIO, loadLayersModelFromFolder } from '../export/fs-io.js';
import { tf } from '../tf/backend.js';
import { findHeads } from './fit.js';
import { recoverDir, replaceDir, writeDurable } from '../core/atomic.js';

export type { ModelMeta };

export type ModelMetaInput = Omit<ModelMeta, 'format' | 'version' | 'outputs' | 'savedAt'> & Partial<Pick<ModelMeta, 'outputs'>>;

function outputsOf(model: tf.LayersModel): ModelMeta['outputs'] {
  const heads = findHeads(model);
  return { ageClasses: heads.classes, gender: heads.gender !== undefined };
}

/** Writes model.json, weights.bin (fs-io's layout) and howold.json into the folder `tmp` (no swap). */
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
