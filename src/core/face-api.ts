// face-api.js's pretrained weights, shipped in the @vladmandic/face-api npm package: read from node_modules,
// never from the network. The detector (src/detect) and the age model (src/models/tinyxception.ts) start from them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf/backend.js';
import { faceApiModelDir } from './face-api-dir.js';

export { faceApiModelDir };

export type FaceApiModelName = 'ssd_mobilenetv1_model' | 'face_landmark_68_model' | 'tiny_face_detector_model' | 'age_gender_model';


/** Decodes one of face-api's weight files (uint8-quantised), keyed by face-api's names. */
export async function readFaceApiWeights(name: FaceApiModelName, dir = faceApiModelDir()): Promise<tf.NamedTensorMap> {
  const manifest = JSON.parse(await readFile(path.join(dir, `${name}-weights_manifest.json`), 'utf8')) as tf.io.WeightsManifestConfig;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of manifest) {
    specs.push(...group.weights);
    for (const file of group.paths) buffers.push(await readFile(path.join(dir, file)));
  }
  const all = Buffer.concat(buffers);
  return tf.io.decodeWeights(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), specs);
}
