// npm run build:detector-onnx: rebuilds models/detector from face-api's weights in node_modules. Each network is
// rebuilt as a TF.js Layers model (src/detect/faceapi-nets.ts), exported with our exporter, and checked: the ONNX
// model against the Layers model on random inputs, the uint8-stored file against the float one.
// (src/detect/engines.test.ts checks the whole ONNX detector against face-api on real photos.)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readDetectorConfig } from '../src/detect/detector-config.js';
import { DETECTOR_MODEL_DIR, faceApiModelDir } from '../src/detect/paths.js';
import {
  buildFaceLandmark68Net,
  buildSsdMobilenetV1,
  buildTinyFaceDetector,
  readFaceApiWeights,
  ssdAnchors,
  type FaceApiModelName,
} from '../src/detect/faceapi-nets.js';
import { exportOnnx } from '../src/export/index.js';
import { randomArray } from '../src/export/testing.js';
import { initBackend, tf } from '../src/tf/backend.js';
import { storeWeightsAsUint8, type Quantization } from './onnx-uint8.js';

const TOLERANCE = 1e-3;

async function runOnnx(bytes: Uint8Array, input: Float32Array, shape: number[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, shape) });
    return session.outputNames.map((name) => result[name]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    if (x.length !== y.length) throw new Error(`output ${i}: ${x.length} values against ${y.length}`);
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j]! - y[j]!));
  });
  return worst;
}

/** The (scale, min) of each uint8-quantised weight in face-api's manifest. */
async function quantizations(name: FaceApiModelName): Promise<Quantization[]> {
  const manifest = JSON.parse(await readFile(path.join(faceApiModelDir(), `${name}-weights_manifest.json`), 'utf8')) as tf.io.WeightsManifestConfig;
  return manifest.flatMap((group) =>
    group.weights
      .filter((w) => w.dtype === 'float32' && w.quantization?.dtype === 'uint8')
      .map((w) => ({ count: w.shape.reduce((a, b) => a * b, 1), scale: w.quantization!.scale!, min: w.quantization!.min! })),
  );
}

await initBackend();
await mkdir(DETECTOR_MODEL_DIR, { recursive: true });
// detector.json (checked in) names the files and describes the networks; what is built must match it.
const config = await readDetectorConfig();

const ssdWeights = await readFaceApiWeights('ssd_mobilenetv1_model');
const anchors = ssdAnchors(ssdWeights);
if (anchors.length / 4 !== config.ssd.anchorCount) throw new Error(`face-api has ${anchors.length / 4} SSD anchors; detector.json says ssd.anchorCount ${config.ssd.anchorCount}`);
const ssdSize = config.ssd.inputSize;
const lmSize = config.landmarks.inputSize;
const builds: Array<[string, tf.LayersModel, FaceApiModelName, string, number[]]> = [
  [config.ssd.file, buildSsdMobilenetV1(ssdWeights), 'ssd_mobilenetv1_model', 'image', [1, ssdSize, ssdSize, 3]],
  [config.landmarks.file, buildFaceLandmark68Net(await readFaceApiWeights('face_landmark_68_model')), 'face_landmark_68_model', 'face', [2, lmSize, lmSize, 3]],
  [config.tiny.file, buildTinyFaceDetector(await readFaceApiWeights('tiny_face_detector_model')), 'tiny_face_detector_model', 'image', [1, 160, 160, 3]],
];
for (const [file, model, source, inputName, shape] of builds) {
  const [, h, w] = model.inputs[0]!.shape;
  if ((h !== null && h !== shape[1]) || (w !== null && w !== shape[2])) throw new Error(`${file}: the network takes ${h} x ${w}; detector.json says ${shape[1]}`);
  const float = exportOnnx(model, {
    inputName,
    metadata: { source: '@vladmandic/face-api model/ (MIT)', builder: 'scripts/build-detector-onnx.ts' },
  });
  // face-api ships its weights as uint8; stored that way the files are a quarter of the size, with the same values
  // (the uint8 file must give exactly what the float one gives).
  const { bytes, converted, kept } = storeWeightsAsUint8(float, await quantizations(source));
  const input = randomArray(shape.reduce((a, b) => a * b, 1), 42, -1, 1);
  const expected = tf.tidy(() => {
    const y = model.predict(tf.tensor(input, shape));
    return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync() as Float32Array);
  });
  const fromFloat = await runOnnx(float, input, shape);
  const diff = maxDiff(fromFloat, expected);
  if (!(diff <= TOLERANCE)) throw new Error(`${file}: ONNX differs from the TF.js model by ${diff}`);
  const stored = maxDiff(await runOnnx(bytes, input, shape), fromFloat);
  if (stored !== 0) throw new Error(`${file}: the uint8-stored model differs from the float one by ${stored}`);
  await writeFile(path.join(DETECTOR_MODEL_DIR, file), bytes);
  process.stdout.write(
    `${file.padEnd(28)} ${(bytes.length / 1e6).toFixed(2)} MB (float32: ${(float.length / 1e6).toFixed(2)} MB; ${converted} tensors as uint8, ${kept} kept float), ` +
      `${model.countParams()} params, max |ONNX - TF.js| ${diff.toExponential(1)}\n`,
  );
  model.dispose();
}
// Little-endian float32, as every platform Node runs on stores a Float32Array.
await writeFile(path.join(DETECTOR_MODEL_DIR, config.ssd.anchorsFile), new Uint8Array(anchors.buffer, anchors.byteOffset, anchors.byteLength));
process.stdout.write(`${config.ssd.anchorsFile.padEnd(28)} ${anchors.length / 4} anchors\n`);
