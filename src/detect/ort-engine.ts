// face-api's networks as ONNX models (models/detector) on any onnxruntime (node or web) with face-api's pre- and
// post-processing in TypeScript. Reading the files (readDetectorFiles, given a reader) and running them are shared;
// opening the sessions is the caller's (onnx-engine.ts in Node, browser.ts on the web).
import { DETECTOR_CONFIG_FILE, parseDetectorConfig, type DetectorConfig } from '../core/detector-config-schema.js';
import { HowoldError } from '../core/errors.js';
import { runFloat32, SpareBuffer, type OrtRuntime, type OrtSession } from '../core/ort.js';
import type { Box, Engine, Point, RgbImage } from '../core/types.js';
import type { DetectionEngine } from './engine.js';
import { decodeSsd, decodeTiny, landmarksFromOutput } from './faceapi-post.js';
import { writeNetInput } from './preprocess.js';

export type { DetectorConfig };

export interface DetectorSessions {
  runtime: OrtRuntime;
  /** detector.json: input sizes, normalisations, anchors and NMS thresholds of the three networks. */
  config: DetectorConfig;
  ssd: OrtSession;
  landmarks: OrtSession;
  tiny: OrtSession;
  /** SSD-MobileNetV1's anchors (config.ssd.anchorsFile), [n x 4] float32. */
  anchors: Float32Array;
}

/** The detector folder's files as read: the checked config, the three ONNX models' bytes and the SSD anchors. */
export interface DetectorFiles {
  config: DetectorConfig;
  ssd: Uint8Array;
  landmarks: Uint8Array;
  tiny: Uint8Array;
  anchors: Float32Array;
}

/**
 * Reads detector.json through `read` (a file name in the folder -> its bytes: readFile in Node, fetch on the web),
 * checks it, then reads the files it names. `where` (the folder or its URL) names the folder in errors: 'bad_model'
 * for bad JSON, a wrong field or an anchors file of the wrong size, 'unsupported_model_version' for a newer config.
 */
export async function readDetectorFiles(read: (file: string) => Promise<Uint8Array>, where: string): Promise<DetectorFiles> {
  let json: unknown;
  const text = new TextDecoder().decode(await read(DETECTOR_CONFIG_FILE));
  try {
    json = JSON.parse(text);
  } catch {
    throw new HowoldError('bad_model', `${DETECTOR_CONFIG_FILE} is not valid JSON`, where);
  }
  const config = parseDetectorConfig(json, where);
  const [ssd, landmarks, tiny, anchorBytes] = await Promise.all([config.ssd.file, config.landmarks.file, config.tiny.file, config.ssd.anchorsFile].map(read));
  const expected = config.ssd.anchorCount * 4 * Float32Array.BYTES_PER_ELEMENT;
  if (anchorBytes!.byteLength !== expected) {
    throw new HowoldError('bad_model', `${config.ssd.anchorsFile} has ${anchorBytes!.byteLength} bytes; ssd.anchorCount ${config.ssd.anchorCount} needs ${expected}`, where);
  }
  return { config, ssd: ssd!, landmarks: landmarks!, tiny: tiny!, anchors: anchorsFromBytes(anchorBytes!) };
}

/** A detector folder whose files are there but wrong: an error to show, not a reason to fall back to TF.js. */
export function isBadDetectorFolder(err: unknown): boolean {
  return err instanceof HowoldError && (err.code === 'bad_model' || err.code === 'unsupported_model_version');
}

/** The anchors file's bytes as the Float32Array decodeSsd takes (copied: the bytes may not be 4-aligned). */
export function anchorsFromBytes(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * Checks that an open session takes the square input side the config gives it (when the runtime reports input
 * shapes and the side is fixed in the graph), so a config that does not match its file fails at load.
 */
export function checkSessionInput(session: OrtSession, size: number, field: string, file: string, where: string): void {
  const meta = session.inputMetadata?.[0];
  const shape = meta?.isTensor ? meta.shape : undefined;
  const [h, w] = [shape?.[1], shape?.[2]];
  if (typeof h === 'number' && typeof w === 'number' && (h !== size || w !== size)) {
    throw new HowoldError('bad_model', `${DETECTOR_CONFIG_FILE}: ${field} is ${size} but ${file} takes ${h} x ${w}`, where);
  }
}

/** Releases the three sessions (errors ignored: nothing more can be done with a session that fails to close). */
export function releaseSessions(s: Pick<DetectorSessions, 'ssd' | 'landmarks' | 'tiny'>): Promise<void> {
  return Promise.all([s.ssd.release(), s.landmarks.release(), s.tiny.release()]).then(
    () => undefined,
    () => undefined,
  );
}

/** A detection engine on open sessions; `release` runs once, on the first dispose(), which waits for it. */
export function ortDetectionEngine(s: DetectorSessions, name: Exclude<Engine, 'tfjs'>, release: () => Promise<void>): DetectionEngine {
  const { runtime, config } = s;
  const { ssd, tiny, landmarks } = config;
  let disposed = false;
  const ssdInput = new SpareBuffer();
  const tinyInput = new SpareBuffer();
  /** Writes the net input for the whole image into a kept buffer (writeNetInput writes every element) and runs it. */
  const runWhole = async (session: OrtSession, buffers: SpareBuffer, image: RgbImage, side: number, normalisation: DetectorConfig['ssd']['normalisation']) => {
    const input = buffers.take(side * side * 3);
    try {
      writeNetInput(image, { x: 0, y: 0, width: image.width, height: image.height }, side, false, normalisation, input);
      return await runFloat32(runtime, session, input, [1, side, side, 3]);
    } finally {
      buffers.give(input);
    }
  };
  const live = () => {
    if (disposed) throw new HowoldError('disposed', 'the ONNX detection engine has been disposed');
  };
  return {
    name,
    ssdInputSize: ssd.inputSize,
    ssdIouThreshold: ssd.iouThreshold,
    async ssd(image, minScore, maxResults) {
      live();
      const out = await runWhole(s.ssd, ssdInput, image, ssd.inputSize, ssd.normalisation);
      return decodeSsd(out.box_encodings!, out.class_logits!, s.anchors, image.width, image.height, ssd.inputSize, minScore, maxResults, ssd.iouThreshold);
    },
    async tiny(image, inputSize, minScore) {
      live();
      const out = await runWhole(s.tiny, tinyInput, image, inputSize, tiny.normalisation);
      return decodeTiny(out.grid!, inputSize / tiny.stride, inputSize, image.width, image.height, minScore, tiny.anchors, tiny.iouThreshold);
    },
    async landmarks(image: RgbImage, crops: Box[]): Promise<Point[][]> {
      live();
      if (crops.length === 0) return [];
      const side = landmarks.inputSize;
      const size = side * side * 3;
      const input = new Float32Array(crops.length * size);
      crops.forEach((crop, i) => writeNetInput(image, crop, side, true, landmarks.normalisation, input, i * size));
      const out = (await runFloat32(runtime, s.landmarks, input, [crops.length, side, side, 3])).landmarks!;
      return crops.map((crop, i) => landmarksFromOutput(out.subarray(i * 136, (i + 1) * 136), crop.width, crop.height, side));
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await release();
    },
  };
}
