export { DEFAULT_OPSET, exportOnnx, SUPPORTED_LAYERS, type ExportOptions } from './onnx.js';
export { ExportError } from './errors.js';
export { fileSystemIO, loadLayersModelFromFolder, modelFolder, registerFileSystemRouters } from './fs-io.js';
export { writeFileAtomic } from '../core/atomic.js';
