// What a detection engine provides: face-api's three networks with face-api's pre- and post-processing. The
// pipeline around them (photo mode, close-up passes, landmark crops, mapping back) is pipeline.ts, shared by both
// and by the browser entry. No Node imports here: the browser bundle includes this file.
import type { Box, Point, RgbImage } from '../core/types.js';
import type { ScoredBox } from './faceapi-post.js';

export type { ScoredBox };
export type DetectorEngine = 'onnx' | 'tfjs';

/** Side of SSD-MobileNetV1's square input: every image is padded to a square and resized to it. */
export const SSD_INPUT_SIZE = 512;

export interface DetectionEngine {
  readonly name: DetectorEngine;
  /** SSD-MobileNetV1 over the whole image, after NMS, highest score first. */
  ssd(image: RgbImage, minScore: number, maxResults: number): Promise<ScoredBox[]>;
  /** TinyFaceDetector at `inputSize` (divisible by 32), after NMS. */
  tiny(image: RgbImage, inputSize: number, minScore: number): Promise<ScoredBox[]>;
  /** The 68 landmarks of each crop (integer boxes inside the image), in pixels of the crop. */
  landmarks(image: RgbImage, crops: Box[]): Promise<Point[][]>;
  /** Releases this engine's hold on the shared weights or sessions. */
  dispose(): void;
}

/** The files of models/detector (the ONNX exports of face-api's networks, npm run build:detector-onnx). */
export const DETECTOR_FILES = {
  ssd: 'ssd_mobilenetv1.onnx',
  /**
   * The same SSD with int8 convolutions (npm run build:detector-int8): 1.5x faster on AVX2 / AVX-512 VNNI with the
   * same faces on the group photos, mosaics and FairFace, but not used yet: onnxruntime-node and onnxruntime-web
   * round its int8 kernels differently, and one group-photo face's age then differs by 1.5 years between Node and
   * the page (BENCHMARKS.md, "Speed on AMD EPYC").
   */
  ssdInt8: 'ssd_mobilenetv1_int8.onnx',
  anchors: 'ssd_mobilenetv1_anchors.bin',
  landmarks: 'face_landmark_68.onnx',
  tiny: 'tiny_face_detector.onnx',
} as const;
