export {
  createFaceDetector,
  DEFAULT_DETECTOR_OPTIONS,
  faceApiModelDir,
  iou,
  landmarkCrop,
  landmarksFrom68,
  type DetectorEngine,
  type DetectorMode,
  type DetectorOptions,
  type FaceDetector,
} from './detector.js';
