// The schema of models/detector/detector.json: what the detector's ONNX files are and how each network wants its
// input and reads its output (face-api's values, which belong to the weights). Checked wherever the detector is
// opened (Node and the browser), so a hand-edited or foreign file fails at load with the field that is wrong. No
// Node imports: the browser entry shares it.
import { z } from 'zod';
import { HowoldError } from './errors.js';

/** The detector.json version this howold reads. */
export const DETECTOR_CONFIG_VERSION = 1;
/** The config's name inside the detector folder; it names every other file. */
export const DETECTOR_CONFIG_FILE = 'detector.json';

// a plain file name inside the folder (also joined to a URL by the browser entry: no slashes, no '..')
const fileName = z.string().regex(/^[\w-][\w.-]*$/, 'must be a file name inside the detector folder');
const normalisation = z.object({
  /** Subtracted from each channel (0..255 values). */
  mean: z.tuple([z.number(), z.number(), z.number()]),
  divisor: z.number().positive(),
});
const iouThreshold = z.number().gt(0).lt(1);

const schema = z.object({
  format: z.literal('howold-detector'),
  version: z.literal(DETECTOR_CONFIG_VERSION),
  /** SSD-MobileNetV1: the photo detector. */
  ssd: z.object({
    file: fileName,
    /** The same SSD with int8 convolutions (npm run build:detector-int8); not used by the detector yet. */
    int8File: fileName.optional(),
    /** Little-endian float32, anchorCount x (ymin, xmin, ymax, xmax). */
    anchorsFile: fileName,
    anchorCount: z.int().positive(),
    inputSize: z.int().min(32).max(2048),
    normalisation,
    iouThreshold,
  }),
  /** TinyFaceDetector (tiny-YOLOv2): the close-up passes, and photo mode on request. */
  tiny: z.object({
    file: fileName,
    /** Input pixels per grid cell: the input side must be a multiple of it. */
    stride: z.int().positive(),
    normalisation,
    /** Box anchors (width, height) in grid cells, one per box the network predicts in each cell. */
    anchors: z.array(z.tuple([z.number().positive(), z.number().positive()])).min(1),
    iouThreshold,
  }),
  /** FaceLandmark68Net: 68 points per face crop. */
  landmarks: z.object({
    file: fileName,
    inputSize: z.int().min(8).max(1024),
    normalisation,
  }),
});

export type DetectorConfig = z.infer<typeof schema>;

/**
 * `value` (a parsed detector.json) as a DetectorConfig, or a one-line HowoldError naming `where` and the first wrong
 * field; a version this howold does not know is its own error ('unsupported_model_version').
 */
export function parseDetectorConfig(value: unknown, where: string): DetectorConfig {
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== DETECTOR_CONFIG_VERSION) {
    throw new HowoldError('unsupported_model_version', `${DETECTOR_CONFIG_FILE} is version ${version}; this howold reads version ${DETECTOR_CONFIG_VERSION}`, where);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : 'the file';
    throw new HowoldError('bad_model', `${DETECTOR_CONFIG_FILE}: ${field}: ${issue.message}`, where);
  }
  return result.data;
}
