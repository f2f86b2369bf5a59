// howold/export: our TF.js Layers -> ONNX exporter. Needs the optional TF.js dependencies. The TF.js model folder
// I/O is models/model-folder.ts's, re-exported here as before.
export { DEFAULT_OPSET, exportOnnx, SUPPORTED_LAYERS, type ExportOptions } from './onnx.js';
export { ExportError } from './errors.js';
export { fileSystemIO, loadLayersModelFromFolder, modelFolder, registerFileSystemRouters } from '../models/model-folder.js';
export { exportDifference, exportModelFolder, EXPORT_TOLERANCE, type ExportFolderOptions, type ExportFolderResult } from './folder.js';
export { createTfjsRunner } from '../infer/tfjs-runner.js';
export { createOnnxRunner, type ModelRunner, type OnnxRunnerOptions } from '../infer/onnx-runner.js';
export { writeFileAtomic } from '../core/atomic.js';
