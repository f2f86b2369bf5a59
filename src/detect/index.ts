export {
  createFaceDetector,
  DEFAULT_DETECTOR_OPTIONS,
  faceApiModelDir,
  iou,
  landmarksFrom68,
  type DetectorMode,
  type DetectorOptions,
  type FaceDetector,
} from './detector.js';
