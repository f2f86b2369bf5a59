// What a detection engine provides: face-api's three networks with face-api's pre- and post-processing. The
// pipeline around them (photo mode, close-up passes, landmark crops, mapping back) is pipeline.ts, shared by both
// and by the browser entry. No Node imports here: the browser bundle includes this file.
import type { Box, Engine, Point, RgbImage } from '../core/types.js';
import type { ScoredBox } from './faceapi-post.js';

export type { ScoredBox };
/** Which networks to run, as chosen in options: face-api's exported to ONNX, or face-api itself on TF.js. */
export type DetectorEngine = 'onnx' | 'tfjs';

export interface DetectionEngine {
  /** The runtime that runs the networks. */
  readonly name: Engine;
  /** Side of SSD-MobileNetV1's square input: every image is padded to a square and resized to it. */
  readonly ssdInputSize: number;
  /** SSD's NMS rule: of two boxes overlapping by more than this IoU, the lower-scored one is dropped. */
  readonly ssdIouThreshold: number;
  /** SSD-MobileNetV1 over the whole image, after NMS, highest score first. */
  ssd(image: RgbImage, minScore: number, maxResults: number): Promise<ScoredBox[]>;
  /** TinyFaceDetector at `inputSize` (divisible by 32), after NMS. */
  tiny(image: RgbImage, inputSize: number, minScore: number): Promise<ScoredBox[]>;
  /** The 68 landmarks of each crop (integer boxes inside the image), in pixels of the crop. */
  landmarks(image: RgbImage, crops: Box[]): Promise<Point[][]>;
  /** Releases this engine's hold on the shared weights or sessions; resolves once they are released. */
  dispose(): Promise<void>;
}
