// Where the detector's weights live on disk (Node only; the browser entry fetches the same files by URL).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { faceApiModelDir } from '../core/face-api-dir.js';

/** models/detector: the ONNX exports of face-api's networks (npm run build:detector-onnx). */
export const DETECTOR_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/detector');
