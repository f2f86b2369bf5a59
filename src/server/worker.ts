// One estimator in a worker process (see pool.ts): detection blocks its thread for hundreds of milliseconds per
// photo, so it runs here and the HTTP process stays free to answer, time out and refuse.
import { Socket } from 'node:net';
import { createAgeEstimator, errorCode, errorMessage, faceToJson, HowoldError } from '../index.js';
import type { HowoldErrorCode } from '../index.js';
import { PhotoReader } from './photo-pipe.js';
import { PHOTO_PIPE_FD, type PhotoResult, type WorkerData, type WorkerMessage, type WorkerReply } from './pool.js';

const { model, maxPixels } = JSON.parse(process.argv[2] ?? '{}') as WorkerData;
const send = (reply: WorkerReply, then?: () => void) => {
  process.send!(reply, undefined, {}, then);
};
// the server is gone (even if it was killed): nothing left to work for
process.on('disconnect', () => process.exit(0));

function reason(err: Error): { code: HowoldErrorCode; message: string } {
  const message = errorMessage(err);
  // InputError messages start with the file name; uploads have none worth showing.
  const file = err instanceof HowoldError ? err.file : undefined;
  return { code: errorCode(err), message: file && message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message };
}

const photoPipe = new Socket({ fd: PHOTO_PIPE_FD, readable: true, writable: false });
const photoReader = new PhotoReader(photoPipe);

try {
  const estimator = await createAgeEstimator(model ? { model } : undefined);
  let running: Promise<void> = Promise.resolve();
  process.on('message', (message: WorkerMessage) => {
    if (message.type === 'close') {
      void running.then(() => estimator.dispose()).finally(() => process.exit(0));
      return;
    }
    const { id, sizes, options } = message;
    running = photoReader
      .next(sizes)
      .then((photos) => estimator(photos, { ...options, ...(maxPixels ? { decode: { maxPixels } } : {}), names: photos.map(() => 'upload') }))
      .then((results) => {
        const out: PhotoResult[] = results.map((r) =>
          r.error ? { error: reason(r.error) } : { width: r.width, height: r.height, faces: r.faces.map((f) => faceToJson(f, { distribution: true })) },
        );
        send({ type: 'result', id, photos: out });
      })
      .catch((err: unknown) => {
        send({ type: 'failed', id, error: { code: errorCode(err), message: errorMessage(err) } });
      });
  });
  send({ type: 'ready', model: estimator.meta.name, engine: estimator.engine, ...(estimator.note === undefined ? {} : { note: estimator.note }) });
} catch (err) {
  send({ type: 'fatal', error: { code: errorCode(err), message: errorMessage(err) } }, () => process.exit(1));
}
