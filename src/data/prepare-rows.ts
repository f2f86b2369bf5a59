// Decode, detect and crop a list of labelled rows: the unit of work shared by prepare's worker threads and the
// queue workers (`howold worker`), so both make byte-identical crops.
import { decodeImage } from '../image/decode.js';
import { errorCode, errorMessage } from '../core/errors.js';
import type { FaceDetector } from '../detect/index.js';
import { cropLabelledFace, type CropSpec } from './labelled-face.js';
import type { LabelledRow, SplitName } from '../core/types.js';
import type { PreparedFace, ShardManifest } from './shards.js';

export type PrepareRow = LabelledRow & { split: SplitName };

export interface PreparedRows {
  faces: PreparedFace[];
  rejects: ShardManifest['rejects'];
}

/** Crops every row; a row that cannot be used is a reject (path, reason code, one-line detail), never a throw. */
export async function prepareRows(
  rows: PrepareRow[],
  spec: CropSpec,
  detector: FaceDetector | undefined,
  onProgress?: (done: number) => void,
): Promise<PreparedRows> {
  const faces: PreparedFace[] = [];
  const rejects: ShardManifest['rejects'] = [];
  let done = 0;
  for (const row of rows) {
    try {
      const image = await decodeImage(row.path);
      const crop = await cropLabelledFace(image, row, spec, detector);
      faces.push({ path: row.path, age: row.age, gender: row.gender, split: row.split, pixels: crop.pixels.data });
    } catch (err) {
      rejects.push({ path: row.path, reason: errorCode(err), detail: errorMessage(err) });
    }
    done += 1;
    if (done % 25 === 0) onProgress?.(done);
  }
  return { faces, rejects };
}
