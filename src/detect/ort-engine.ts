// face-api's networks as ONNX models (models/detector) on any onnxruntime (node or web) with face-api's pre- and
// post-processing in TypeScript. Opening the sessions is the caller's (onnx-engine.ts in Node, browser.ts on the
// web); this is the part both share.
import { HowoldError } from '../core/errors.js';
import { runFloat32, type OrtRuntime, type OrtSession } from '../core/ort.js';
import type { Box, Point, RgbImage } from '../core/types.js';
import { SSD_INPUT_SIZE, type DetectionEngine } from './engine.js';
import { decodeSsd, decodeTiny, landmarksFromOutput } from './faceapi-post.js';
import { LANDMARK_NORMALISATION, SSD_NORMALISATION, TINY_NORMALISATION, writeNetInput } from './preprocess.js';

const LANDMARK_SIZE = 112;
/** TinyYOLO's output stride: the grid has inputSize / 32 cells a side. */
const TINY_STRIDE = 32;

export interface DetectorSessions {
  runtime: OrtRuntime;
  ssd: OrtSession;
  landmarks: OrtSession;
  tiny: OrtSession;
  /** SSD-MobileNetV1's anchors (ssd_mobilenetv1_anchors.bin), [n x 4] float32. */
  anchors: Float32Array;
}

/** The anchors file's bytes as the Float32Array decodeSsd takes (copied: the bytes may not be 4-aligned). */
export function anchorsFromBytes(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Releases the three sessions (errors ignored: nothing more can be done with a session that fails to close). */
export function releaseSessions(s: Pick<DetectorSessions, 'ssd' | 'landmarks' | 'tiny'>): Promise<void> {
  return Promise.all([s.ssd.release(), s.landmarks.release(), s.tiny.release()]).then(
    () => undefined,
    () => undefined,
  );
}

/** A detection engine on open sessions; `release` runs once, on the first dispose(). */
export function ortDetectionEngine(s: DetectorSessions, release: () => void): DetectionEngine {
  const { runtime } = s;
  let disposed = false;
  const live = () => {
    if (disposed) throw new HowoldError('disposed', 'the ONNX detection engine has been disposed');
  };
  return {
    name: 'onnx',
    async ssd(image, minScore, maxResults) {
      live();
      const input = new Float32Array(SSD_INPUT_SIZE * SSD_INPUT_SIZE * 3);
      writeNetInput(image, { x: 0, y: 0, width: image.width, height: image.height }, SSD_INPUT_SIZE, false, SSD_NORMALISATION, input);
      const out = await runFloat32(runtime, s.ssd, input, [1, SSD_INPUT_SIZE, SSD_INPUT_SIZE, 3]);
      return decodeSsd(out.box_encodings!, out.class_logits!, s.anchors, image.width, image.height, SSD_INPUT_SIZE, minScore, maxResults);
    },
    async tiny(image, inputSize, minScore) {
      live();
      const input = new Float32Array(inputSize * inputSize * 3);
      writeNetInput(image, { x: 0, y: 0, width: image.width, height: image.height }, inputSize, false, TINY_NORMALISATION, input);
      const out = await runFloat32(runtime, s.tiny, input, [1, inputSize, inputSize, 3]);
      return decodeTiny(out.grid!, inputSize / TINY_STRIDE, inputSize, image.width, image.height, minScore);
    },
    async landmarks(image: RgbImage, crops: Box[]): Promise<Point[][]> {
      live();
      if (crops.length === 0) return [];
      const size = LANDMARK_SIZE * LANDMARK_SIZE * 3;
      const input = new Float32Array(crops.length * size);
      crops.forEach((crop, i) => writeNetInput(image, crop, LANDMARK_SIZE, true, LANDMARK_NORMALISATION, input, i * size));
      const out = (await runFloat32(runtime, s.landmarks, input, [crops.length, LANDMARK_SIZE, LANDMARK_SIZE, 3])).landmarks!;
      return crops.map((crop, i) => landmarksFromOutput(out.subarray(i * 136, (i + 1) * 136), crop.width, crop.height, LANDMARK_SIZE));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      release();
    },
  };
}
