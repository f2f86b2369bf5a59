// Worker thread of `howold data prepare`: decodes, detects and crops one chunk of rows at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeImage } from '../image/decode.js';
import { errorCode, errorMessage } from '../core/errors.js';
import { createFaceDetector, type FaceDetector } from '../detect/index.js';
import { cropLabelledFace, type CropSpec } from './labelled-face.js';
import type { LabelledRow, SplitName } from '../core/types.js';

export interface PrepareTask {
  shard: number;
  rows: (LabelledRow & { split: SplitName })[];
}

export interface PrepareWorkerData {
  spec: CropSpec;
}

export type WorkerMessage =
  | { type: 'progress'; shard: number; done: number }
  | { type: 'shard'; shard: number; faces: { path: string; age: number; gender?: string; split: SplitName; pixels: Uint8Array }[]; rejects: { path: string; reason: string; detail?: string }[] }
  | { type: 'ready' }
  | { type: 'fatal'; message: string };

const { spec } = workerData as PrepareWorkerData;
const port = parentPort!;
let detector: FaceDetector | undefined;

async function runTask(task: PrepareTask): Promise<void> {
  const faces: Extract<WorkerMessage, { type: 'shard' }>['faces'] = [];
  const rejects: Extract<WorkerMessage, { type: 'shard' }>['rejects'] = [];
  let done = 0;
  for (const row of task.rows) {
    try {
      const image = await decodeImage(row.path);
      const crop = await cropLabelledFace(image, row, spec, detector);
      faces.push({ path: row.path, age: row.age, gender: row.gender, split: row.split, pixels: crop.pixels.data });
    } catch (err) {
      rejects.push({ path: row.path, reason: errorCode(err), detail: errorMessage(err) });
    }
    done += 1;
    if (done % 25 === 0) port.postMessage({ type: 'progress', shard: task.shard, done } satisfies WorkerMessage);
  }
  port.postMessage({ type: 'shard', shard: task.shard, faces, rejects } satisfies WorkerMessage);
}

try {
  if (spec.source === 'detect') detector = await createFaceDetector({ mode: spec.detectorMode ?? 'photo' });
  port.on('message', (task: PrepareTask) => {
    runTask(task).catch((err) => port.postMessage({ type: 'fatal', message: errorMessage(err) } satisfies WorkerMessage));
  });
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({ type: 'fatal', message: errorMessage(err) } satisfies WorkerMessage);
}
