// npm run build:detector-int8: models/detector/ssd_mobilenetv1_int8.onnx from ssd_mobilenetv1.onnx, static int8
// quantisation in onnxruntime's QDQ form (which it fuses into QLinearConv): per-channel symmetric int8 weights,
// uint8 activations with min/max ranges from calibration inputs (the group photos and every 20th FairFace image,
// the image pass and the 0.5-border pass of each). The first four MobileNet blocks and the box predictors stay
// float: quantising them too lost faces (mosaics 132/172 instead of 160, FairFace no face 4.3% instead of 0.7%).
// Check the result with `npm run bench:detect -- --only quality` (BENCHMARKS.md, "Speed on AMD EPYC").
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readDetectorConfig } from '../src/detect/detector-config.js';
import { DETECTOR_MODEL_DIR } from '../src/detect/paths.js';
import { padImage, writeNetInput } from '../src/detect/preprocess.js';
import { modelType } from '../src/export/onnx-proto.js';
import { decodeImage } from '../src/image/decode.js';

/** Convolutions left in float32 (by output name). */
const KEEP_FLOAT = /BoxPredictor|MobilenetV1\/Conv2d_(0|1|2|3)_/;
const datasets = path.resolve(fileURLToPath(new URL('..', import.meta.url)), '../shared/datasets');

const type = modelType();
const { ssd: ssdConfig } = await readDetectorConfig();
const SSD_INPUT_SIZE = ssdConfig.inputSize;
// onnxruntime's own basic optimisation first: weights constant-folded from their uint8 storage, BatchNorm fused
const scratch = mkdtempSync(path.join(tmpdir(), 'howold-int8-'));
const folded = path.join(scratch, 'folded.onnx');
await ort.InferenceSession.create(readFileSync(path.join(DETECTOR_MODEL_DIR, ssdConfig.file)), {
  graphOptimizationLevel: 'basic',
  optimizedModelFilePath: folded,
  intraOpNumThreads: 1,
});
const src = readFileSync(folded);
rmSync(scratch, { recursive: true, force: true });

const m: any = type.decode(src);
const g = m.graph;
const num = (v: any) => (typeof v === 'number' ? v : v.toNumber());
const inits = new Map<string, any>(g.initializer.map((t: any) => [t.name, t]));
const floats = (t: any) => (t.rawData?.length ? new Float32Array(new Uint8Array(t.rawData).slice().buffer) : Float32Array.from(t.floatData));
const convs = g.node.filter((n: any) => n.opType === 'Conv' && !KEEP_FLOAT.test(n.output[0]));
const acts = [...new Set<string>(convs.map((n: any) => n.input[0]))];

// ---- calibration: every quantised convolution's input as an extra output
const calib: any = type.decode(src);
for (const a of acts) if (!calib.graph.output.some((o: any) => o.name === a)) calib.graph.output.push({ name: a, type: { tensorType: { elemType: 1 } } });
const cs = await ort.InferenceSession.create(type.encode(calib).finish(), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
const files = [
  ...readdirSync(path.join(datasets, 'group-photos')).filter((f) => f.endsWith('.jpg')).map((f) => path.join(datasets, 'group-photos', f)),
  ...readdirSync(path.join(datasets, 'fairface')).filter((f) => f.endsWith('.jpg')).filter((_, i) => i % 20 === 0).map((f) => path.join(datasets, 'fairface', f)),
];
const lo = new Map<string, number>(), hi = new Map<string, number>();
for (const f of files) {
  const image = await decodeImage(f);
  for (const pad of [0, 0.5]) {
    const b = Math.round(Math.max(image.width, image.height) * pad);
    const seen = b > 0 ? padImage(image, b, 128) : image;
    const input = new Float32Array(SSD_INPUT_SIZE * SSD_INPUT_SIZE * 3);
    writeNetInput(seen, { x: 0, y: 0, width: seen.width, height: seen.height }, SSD_INPUT_SIZE, false, ssdConfig.normalisation, input);
    const out = await cs.run({ image: new ort.Tensor('float32', input, [1, SSD_INPUT_SIZE, SSD_INPUT_SIZE, 3]) });
    for (const a of acts) {
      const d = out[a]!.data as Float32Array;
      let mn = Infinity, mx = -Infinity;
      for (let i = 0; i < d.length; i++) { const v = d[i]!; if (v < mn) mn = v; if (v > mx) mx = v; }
      lo.set(a, Math.min(lo.get(a) ?? 0, mn));
      hi.set(a, Math.max(hi.get(a) ?? 0, mx));
    }
  }
}
console.log(`calibrated on ${files.length} images x 2 passes, ${acts.length} activations`);

// ---- quantise
const tensor = (name: string, dataType: number, dims: number[], raw: ArrayBufferView) => ({ name, dataType, dims, rawData: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) });
const newInits: any[] = [];
const head: any[] = [];
const actQ = new Map<string, { s: number; dq: string; nodes: any[] }>();
for (const a of acts) {
  const mn = lo.get(a)!, mx = hi.get(a)!;
  const s = (mx - mn) / 255 || 1e-8;
  const zp = Math.max(0, Math.min(255, Math.round(-mn / s)));
  newInits.push(tensor(`${a}/q_scale`, 1, [], Float32Array.of(s)), tensor(`${a}/q_zp`, 2, [], Uint8Array.of(zp)));
  actQ.set(a, {
    s,
    dq: `${a}/dq`,
    nodes: [
      { opType: 'QuantizeLinear', name: `${a}/Q`, input: [a, `${a}/q_scale`, `${a}/q_zp`], output: [`${a}/q`] },
      { opType: 'DequantizeLinear', name: `${a}/DQ`, input: [`${a}/q`, `${a}/q_scale`, `${a}/q_zp`], output: [`${a}/dq`] },
    ],
  });
}
const drop = new Set<string>();
for (const n of convs) {
  const w = inits.get(n.input[1])!;
  const dims = w.dims.map(num) as number[];
  const wf = floats(w);
  const cout = dims[0]!, per = wf.length / cout;
  const ws = new Float32Array(cout), wq = new Int8Array(wf.length);
  for (let c = 0; c < cout; c++) {
    let amax = 0;
    for (let i = 0; i < per; i++) amax = Math.max(amax, Math.abs(wf[c * per + i]!));
    ws[c] = amax / 127 || 1e-8;
    for (let i = 0; i < per; i++) wq[c * per + i] = Math.max(-127, Math.min(127, Math.round(wf[c * per + i]! / ws[c]!)));
  }
  const wn = n.input[1];
  newInits.push(tensor(`${wn}/q`, 3, dims, wq), tensor(`${wn}/q_scale`, 1, [cout], ws), tensor(`${wn}/q_zp`, 3, [cout], new Int8Array(cout)));
  head.push({ opType: 'DequantizeLinear', name: `${wn}/DQ`, input: [`${wn}/q`, `${wn}/q_scale`, `${wn}/q_zp`], output: [`${wn}/dq`], attribute: [{ name: 'axis', type: 2, i: 0 }] });
  drop.add(wn);
  const sx = actQ.get(n.input[0])!.s;
  if (n.input[2]) {
    const bn = n.input[2];
    const bf = floats(inits.get(bn)!);
    const bs = new Float32Array(cout), bq = new Int32Array(cout);
    for (let c = 0; c < cout; c++) { bs[c] = sx * ws[c]!; bq[c] = Math.round(bf[c]! / bs[c]!); }
    newInits.push(tensor(`${bn}/q`, 6, [cout], bq), tensor(`${bn}/q_scale`, 1, [cout], bs), tensor(`${bn}/q_zp`, 6, [cout], new Int32Array(cout)));
    head.push({ opType: 'DequantizeLinear', name: `${bn}/DQ`, input: [`${bn}/q`, `${bn}/q_scale`, `${bn}/q_zp`], output: [`${bn}/dq`], attribute: [{ name: 'axis', type: 2, i: 0 }] });
    drop.add(bn);
    n.input[2] = `${bn}/dq`;
  }
  n.input[1] = `${wn}/dq`;
  n.input[0] = actQ.get(n.input[0])!.dq;
}
const nodes: any[] = [...head];
for (const a of acts) if (g.input.some((i: any) => i.name === a)) nodes.push(...actQ.get(a)!.nodes);
for (const n of g.node) {
  nodes.push(n);
  for (const o of n.output) if (actQ.has(o)) nodes.push(...actQ.get(o)!.nodes);
}
g.node = nodes;
g.initializer = [...g.initializer.filter((t: any) => !drop.has(t.name)), ...newInits];
const out = process.argv[2] ?? path.join(DETECTOR_MODEL_DIR, ssdConfig.int8File ?? 'ssd_mobilenetv1_int8.onnx');
writeFileSync(out, type.encode(m).finish());
console.log(`wrote ${out}`);
