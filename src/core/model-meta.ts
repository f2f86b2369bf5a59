// howold.json: what a model is and how it wants its input; travels with the weights so no caller hard-codes it.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Preprocessing } from './types.js';
import { readJsonFile } from './json-file.js';
import { parseModelMeta } from './model-meta-schema.js';

/** The model shipped in the repo: models/default (howold.json, model.onnx, model.json + weights.bin). */
export const DEFAULT_MODEL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/default');

export interface ModelMeta {
  format: 'howold-model';
  version: 1;
  /** Registry name of the architecture (e.g. 'vgg16-tutorial'). */
  name: string;
  preprocessing: Preprocessing;
  /** Age classes of the 'age' head (ages 0..classes-1) and whether there is a 'gender' head (0 male, 1 female). */
  outputs: { ageClasses: number; gender: boolean };
  /** The training configuration that produced the weights. */
  training?: Record<string, unknown>;
  /** Recalibration of the age distribution (howold calibrate): every caller applies it before reading ages. */
  calibration?: AgeCalibration;
  /** Validation (or test) metrics at save time. */
  metrics?: Record<string, number>;
  epoch?: number;
  step?: number;
  savedAt: string;
}

export interface AgeCalibration {
  method: 'temperature';
  /** p_k^(1/T), renormalised (models/dex.ts applyTemperature). */
  temperature: number;
  /** What it was fitted on, and the share of true ages inside the interval before and after. */
  fittedOn: string;
  n: number;
  interval: [number, number];
  coverageBefore: number;
  coverageAfter: number;
  /**
   * How the age is read off the raw distribution: its mean, or its median (the estimate that minimises the
   * expected absolute error; it sits lower than the mean for babies, whose distributions are cut off at 0).
   * Picked by `howold calibrate` as the one with the lower MAE on the same held-out faces. Absent: the mean.
   */
  readout?: AgeReadout;
  /** MAE of each readout on those faces. */
  readoutMae?: Record<AgeReadout, number>;
  /** Wider intervals for small faces (npm run fit:size-calibration); absent: one temperature for every face. */
  sizeScaling?: SizeScaling;
}

/**
 * A face whose detected box is `width` pixels wide (in the decoded photo) gets the temperature
 * T * max(1, referenceWidth / width)^exponent: a small face shows less of what gives an age away, and the model's
 * distribution alone did not widen for it (80% intervals held 66% of true ages at 32 px faces, 80% at 128 px).
 * Faces given as crops (no detection) keep T.
 */
export interface SizeScaling {
  referenceWidth: number;
  exponent: number;
  /** What it was fitted on: a bench:robust --split val --distributions JSON, and its faces. */
  fittedOn: string;
  n: number;
}

export type AgeReadout = 'mean' | 'median';

/** A model folder's howold.json, checked by its schema; a one-line error naming the folder when it is missing, not JSON or wrong. */
export async function readModelMeta(dir: string): Promise<ModelMeta> {
  const json = await readJsonFile<unknown>(join(dir, 'howold.json'), dir, { code: 'model_not_found', message: 'not a howold model folder (howold.json not found)' }, 'bad_model');
  return parseModelMeta(json, dir);
}
