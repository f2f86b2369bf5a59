// The model zoo. Architecture modules register themselves when imported; add new ones to the list below.
import './compact.js';
import './vgg16.js';
import './tinyxception.js';

export {
  createModel,
  createModelAsync,
  getModelEntry,
  listModels,
  parseModelName,
  registerModel,
  type DefaultTraining,
  type ModelDefinition,
  type ModelEntry,
  type ModelOptions,
} from './registry.js';
export { ageInterval, ageQuantile, ageToTarget, expectedAge, AGE_CLASSES, type TargetOptions } from './dex.js';
export { buildCompactCnn, COMPACT_PREPROCESSING } from './compact.js';
export { buildVgg16Tutorial } from './vgg16.js';
