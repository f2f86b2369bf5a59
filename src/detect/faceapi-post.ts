// What face-api does after its networks' convolutions, in plain TypeScript on the raw outputs of the ONNX models
// (faceapi-nets.ts): SSD box decoding against the anchors and its NMS (ssdMobilenetv1/outputLayer.ts,
// nonMaxSuppression.ts, SsdMobilenetv1.locateFaces), TinyFaceDetector's grid decoding and NMS
// (tinyYolov2/TinyYolov2Base.ts, ops/nonMaxSuppression.ts), and FaceLandmark68Net's scaling
// (FaceLandmark68NetBase.postProcess). The order of operations follows face-api's, so ties and thresholds fall the
// same way.
import type { Box, Point } from '../core/types.js';
import { reshapedSize } from './preprocess.js';

export interface ScoredBox {
  /** In pixels of the image the network saw; may reach past its edges. */
  box: Box;
  score: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

// ---------------------------------------------------------------------------------------------------------------
// SSD-MobileNetV1

/** Corner boxes [n x (ymin, xmin, ymax, xmax)], relative to the padded 512 square, from the encodings. */
export function decodeSsdBoxes(encodings: Float32Array, anchors: Float32Array): Float32Array {
  const n = anchors.length / 4;
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const h = anchors[o + 2]! - anchors[o]!;
    const w = anchors[o + 3]! - anchors[o + 1]!;
    const cy = anchors[o]! + h / 2;
    const cx = anchors[o + 1]! + w / 2;
    const halfH = (Math.exp(encodings[o + 2]! / 5) * h) / 2;
    const y = (encodings[o]! / 10) * h + cy;
    const halfW = (Math.exp(encodings[o + 3]! / 5) * w) / 2;
    const x = (encodings[o + 1]! / 10) * w + cx;
    boxes[o] = y - halfH;
    boxes[o + 1] = x - halfW;
    boxes[o + 2] = y + halfH;
    boxes[o + 3] = x + halfW;
  }
  return boxes;
}

function ssdIou(boxes: Float32Array, i: number, j: number): number {
  const a = i * 4;
  const b = j * 4;
  const yminI = Math.min(boxes[a]!, boxes[a + 2]!);
  const xminI = Math.min(boxes[a + 1]!, boxes[a + 3]!);
  const ymaxI = Math.max(boxes[a]!, boxes[a + 2]!);
  const xmaxI = Math.max(boxes[a + 1]!, boxes[a + 3]!);
  const yminJ = Math.min(boxes[b]!, boxes[b + 2]!);
  const xminJ = Math.min(boxes[b + 1]!, boxes[b + 3]!);
  const ymaxJ = Math.max(boxes[b]!, boxes[b + 2]!);
  const xmaxJ = Math.max(boxes[b + 1]!, boxes[b + 3]!);
  const areaI = (ymaxI - yminI) * (xmaxI - xminI);
  const areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
  if (areaI <= 0 || areaJ <= 0) return 0;
  const inter = Math.max(Math.min(ymaxI, ymaxJ) - Math.max(yminI, yminJ), 0) * Math.max(Math.min(xmaxI, xmaxJ) - Math.max(xminI, xminJ), 0);
  return inter / (areaI + areaJ - inter);
}

/** face-api's SSD NMS: indices of the kept boxes, highest score first. */
export function ssdNonMaxSuppression(boxes: Float32Array, scores: Float32Array, maxOutput: number, iouThreshold: number, scoreThreshold: number): number[] {
  const outputSize = Math.min(maxOutput, scores.length);
  const candidates: { score: number; index: number }[] = [];
  scores.forEach((score, index) => {
    if (score > scoreThreshold) candidates.push({ score, index });
  });
  candidates.sort((a, b) => b.score - a.score);
  const selected: number[] = [];
  for (const c of candidates) {
    if (selected.length >= outputSize) break;
    let suppressed = false;
    for (let j = selected.length - 1; j >= 0; j--) {
      const iou = ssdIou(boxes, c.index, selected[j]!);
      if (iou > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) selected.push(c.index);
  }
  return selected;
}

/**
 * SSD-MobileNetV1's faces in an image of `width` x `height` from the network's raw outputs (box encodings
 * [n x 4], class logits [n x 3]) and anchors [n x 4]; overlaps above `iouThreshold` are suppressed (face-api: 0.5).
 */
export function decodeSsd(
  encodings: Float32Array,
  logits: Float32Array,
  anchors: Float32Array,
  width: number,
  height: number,
  inputSize: number,
  minScore: number,
  maxResults: number,
  iouThreshold: number,
): ScoredBox[] {
  const n = anchors.length / 4;
  const boxes = decodeSsdBoxes(encodings, anchors);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) scores[i] = sigmoid(logits[i * 3 + 1]!);
  const kept = ssdNonMaxSuppression(boxes, scores, maxResults, iouThreshold, minScore);
  const reshaped = reshapedSize(width, height, inputSize);
  const padX = inputSize / reshaped.width;
  const padY = inputSize / reshaped.height;
  return kept.map((i) => {
    const top = Math.max(0, boxes[i * 4]!) * padY;
    const left = Math.max(0, boxes[i * 4 + 1]!) * padX;
    const bottom = Math.min(1, boxes[i * 4 + 2]!) * padY;
    const right = Math.min(1, boxes[i * 4 + 3]!) * padX;
    return {
      box: { x: left * width, y: top * height, width: (right - left) * width, height: (bottom - top) * height },
      score: scores[i]!,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// TinyFaceDetector

interface Corners {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function cornersIou(a: Corners, b: Corners): number {
  const w = Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const inter = w * h;
  const area = (c: Corners) => (c.right - c.left) * (c.bottom - c.top);
  return inter / (area(a) + area(b) - inter);
}

/** face-api's ops/nonMaxSuppression: indices of the kept boxes, highest score first. */
export function nonMaxSuppression(boxes: Corners[], scores: number[], iouThreshold: number): number[] {
  let order = scores.map((score, index) => ({ score, index })).sort((a, b) => a.score - b.score).map((c) => c.index);
  const pick: number[] = [];
  while (order.length > 0) {
    const current = order.pop()!;
    pick.push(current);
    order = order.filter((i) => cornersIou(boxes[current]!, boxes[i]!) <= iouThreshold);
  }
  return pick;
}

/**
 * TinyFaceDetector's faces in an image of `width` x `height` from the network's grid output
 * [cells x cells x anchors x 5] at input size `inputSize`; `anchors` are the box anchors (width, height) in grid
 * cells (face-api's tinyFaceDetector/const.ts BOX_ANCHORS) and NMS drops overlaps above `iouThreshold` (face-api: 0.4).
 */
export function decodeTiny(
  grid: Float32Array,
  cells: number,
  inputSize: number,
  width: number,
  height: number,
  minScore: number,
  anchors: readonly (readonly [number, number])[],
  iouThreshold: number,
): ScoredBox[] {
  const blob = reshapedSize(width, height, inputSize);
  const side = Math.max(blob.width, blob.height);
  const fx = side / blob.width;
  const fy = side / blob.height;
  const boxes: Corners[] = [];
  const scores: number[] = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < anchors.length; a++) {
        const o = ((row * cells + col) * anchors.length + a) * 5;
        const score = sigmoid(grid[o + 4]!);
        if (!(score > minScore)) continue;
        const cx = ((col + sigmoid(grid[o]!)) / cells) * fx;
        const cy = ((row + sigmoid(grid[o + 1]!)) / cells) * fy;
        const w = ((Math.exp(grid[o + 2]!) * anchors[a]![0]) / cells) * fx;
        const h = ((Math.exp(grid[o + 3]!) * anchors[a]![1]) / cells) * fy;
        const x = cx - w / 2;
        const y = cy - h / 2;
        boxes.push({ left: x, top: y, right: x + w, bottom: y + h });
        scores.push(score);
      }
    }
  }
  const scaled = boxes.map((b) => ({ left: b.left * inputSize, top: b.top * inputSize, right: b.right * inputSize, bottom: b.bottom * inputSize }));
  return nonMaxSuppression(scaled, scores, iouThreshold).map((i) => {
    const b = boxes[i]!;
    return {
      box: { x: b.left * width, y: b.top * height, width: (b.right - b.left) * width, height: (b.bottom - b.top) * height },
      score: scores[i]!,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// FaceLandmark68Net

/**
 * The 68 points of one face in pixels of its crop (`width` x `height`), from the network's 136 outputs: relative
 * to the centred 112 px square, less the padding (face-api subtracts half the difference, unrounded).
 */
export function landmarksFromOutput(output: ArrayLike<number>, width: number, height: number, inputSize: number): Point[] {
  const scale = inputSize / Math.max(width, height);
  const w = width * scale;
  const h = height * scale;
  const padX = w < h ? Math.abs(w - h) / 2 : 0;
  const padY = h < w ? Math.abs(w - h) / 2 : 0;
  const points: Point[] = [];
  for (let i = 0; i < 68; i++) {
    points.push({
      x: ((output[2 * i]! * inputSize - padX) / w) * width,
      y: ((output[2 * i + 1]! * inputSize - padY) / h) * height,
    });
  }
  return points;
}
