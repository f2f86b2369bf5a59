// Worker thread of `howold data prepare`: decodes, detects and crops one task (a few rows of a shard) at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import { createFaceDetector, type FaceDetector } from '../detect/index.js';
import type { CropSpec } from './labelled-face.js';
import { prepareRows, type PrepareRow, type PreparedRows } from './prepare-rows.js';

export interface PrepareTask {
  task: number;
  shard: number;
  rows: PrepareRow[];
}

export interface PrepareWorkerData {
  spec: CropSpec;
}

export type WorkerMessage =
  | ({ type: 'rows'; task: number } & PreparedRows)
  | { type: 'ready' }
  | { type: 'fatal'; message: string };

const { spec } = workerData as PrepareWorkerData;
const port = parentPort!;
let detector: FaceDetector | undefined;

async function runTask(task: PrepareTask): Promise<void> {
  const { faces, rejects } = await prepareRows(task.rows, spec, detector);
  port.postMessage({ type: 'rows', task: task.task, faces, rejects } satisfies WorkerMessage);
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
