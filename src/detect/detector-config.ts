// detector.json from disk (Node): the checked config of the detector folder, for the ONNX engine's callers that
// need the values without opening the models (scripts, benchmarks).
import path from 'node:path';
import { DETECTOR_CONFIG_FILE, parseDetectorConfig, type DetectorConfig } from '../core/detector-config-schema.js';
import { readJsonFile } from '../core/json-file.js';
import { DETECTOR_MODEL_DIR } from './paths.js';

export type { DetectorConfig };

/** `dir`'s detector.json, checked; a one-line HowoldError naming the folder when it is missing, not JSON or wrong. */
export async function readDetectorConfig(dir = DETECTOR_MODEL_DIR): Promise<DetectorConfig> {
  const json = await readJsonFile<unknown>(path.join(dir, DETECTOR_CONFIG_FILE), dir, { code: 'model_not_found', message: `not a detector folder (${DETECTOR_CONFIG_FILE} not found)` }, 'bad_model');
  return parseDetectorConfig(json, dir);
}
