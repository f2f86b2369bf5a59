// face-api itself on TF.js (wasm): the reference engine and the fallback when no onnxruntime loads.
// Weights load from node_modules, never from the network, once for all detectors of the process.
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { Box, Point, RgbImage } from '../core/types.js';
import { initBackend, tf } from '../tf/backend.js';
import type { DetectionEngine, ScoredBox } from './engine.js';
import { SSD_INPUT_SIZE, SSD_IOU_THRESHOLD } from './faceapi-nets.js';
import { faceApiModelDir } from './paths.js';

type Net = { isLoaded: boolean; loadFromDisk(dir: string): Promise<void>; dispose(throwOnRedispose?: boolean): void };
const NETS: Net[] = [faceapi.nets.ssdMobilenetv1, faceapi.nets.tinyFaceDetector, faceapi.nets.faceLandmark68Net];
let users = 0;
let loading: Promise<void> | undefined;

async function loadNets(): Promise<void> {
  await initBackend();
  loading ??= (async () => {
    const dir = faceApiModelDir();
    for (const net of NETS) if (!net.isLoaded) await net.loadFromDisk(dir);
  })().finally(() => {
    loading = undefined;
  });
  await loading;
}

function release(): void {
  users -= 1;
  if (users === 0 && !loading) for (const net of NETS) if (net.isLoaded) net.dispose();
}

function toTensor(image: RgbImage): tf.Tensor3D {
  return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
}

function scored(found: faceapi.FaceDetection[]): ScoredBox[] {
  return found.map(({ box, score }) => ({ box: { x: box.x, y: box.y, width: box.width, height: box.height }, score }));
}

export async function createTfjsEngine(): Promise<DetectionEngine> {
  users += 1;
  try {
    await loadNets();
  } catch (err) {
    release();
    throw err;
  }
  let disposed = false;
  return {
    name: 'tfjs',
    ssdInputSize: SSD_INPUT_SIZE,
    ssdIouThreshold: SSD_IOU_THRESHOLD,
    async ssd(image, minScore, maxResults) {
      const pixels = toTensor(image);
      try {
        const options = new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults });
        return scored(await faceapi.nets.ssdMobilenetv1.locateFaces(pixels as unknown as faceapi.TNetInput, options));
      } finally {
        pixels.dispose();
      }
    },
    async tiny(image, inputSize, minScore) {
      const pixels = toTensor(image);
      try {
        const options = new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: minScore });
        return scored(await faceapi.nets.tinyFaceDetector.locateFaces(pixels as unknown as faceapi.TNetInput, options));
      } finally {
        pixels.dispose();
      }
    },
    async landmarks(image: RgbImage, crops: Box[]): Promise<Point[][]> {
      if (crops.length === 0) return [];
      const pixels = toTensor(image);
      try {
        const result: Point[][] = [];
        for (const c of crops) {
          const face = tf.slice3d(pixels, [c.y, c.x, 0], [c.height, c.width, 3]);
          try {
            const lm = (await faceapi.nets.faceLandmark68Net.detectLandmarks(face as unknown as faceapi.TNetInput)) as faceapi.FaceLandmarks68;
            result.push(lm.positions.map((p) => ({ x: p.x, y: p.y })));
          } finally {
            face.dispose();
          }
        }
        return result;
      } finally {
        pixels.dispose();
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      release();
    },
  };
}
