export { DEFAULT_OPSET, exportOnnx, SUPPORTED_LAYERS, type ExportOptions } from './onnx.js';
export { ExportError } from './errors.js';
export { fileSystemIO, loadLayersModelFromFolder, modelFolder, registerFileSystemRouters, writeFileAtomic } from './fs-io.js';
