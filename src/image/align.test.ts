import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ArgumentError } from '../core/errors.js';
import type { FaceLandmarks, Point, RgbImage } from '../core/types.js';
import { createFaceDetector, type FaceDetector } from '../detect/index.js';
import { BOX_SCALE, DEFAULT_MARGIN, LANDMARK_BOX_PER_SCALE, alignFace, cropBox, faceApiBox, faceFrame, landmarkBoxFrame, resizeWhole, toCrop, warpSquare } from './align.js';
import { decodeImage } from './decode.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const utkface = path.resolve(repoRoot, '../shared/datasets/utkface');

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { data, width, height };
}

/** A disc of pixels whose centres (x + 0.5, y + 0.5) lie within `radius` of `centre`. */
function dot(image: RgbImage, centre: Point, rgb: [number, number, number], radius = 3): void {
  for (let y = Math.floor(centre.y - radius); y <= Math.ceil(centre.y + radius); y++) {
    for (let x = Math.floor(centre.x - radius); x <= Math.ceil(centre.x + radius); x++) {
      if (Math.hypot(x + 0.5 - centre.x, y + 0.5 - centre.y) <= radius) image.data.set(rgb, (y * image.width + x) * 3);
    }
  }
}

/** Centroid of the pixels close to `rgb`. */
function centroid(image: RgbImage, rgb: [number, number, number]): Point {
  let x = 0;
  let y = 0;
  let n = 0;
  for (let i = 0; i < image.height; i++) {
    for (let j = 0; j < image.width; j++) {
      const o = (i * image.width + j) * 3;
      const d = Math.abs(image.data[o] - rgb[0]) + Math.abs(image.data[o + 1] - rgb[1]) + Math.abs(image.data[o + 2] - rgb[2]);
      if (d < 120) {
        x += j + 0.5;
        y += i + 0.5;
        n += 1;
      }
    }
  }
  assert.ok(n > 0, `no pixel of colour ${rgb}`);
  return { x: x / n, y: y / n };
}

function rotate(p: Point, c: Point, angle: number): Point {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return { x: c.x + (p.x - c.x) * cos - (p.y - c.y) * sin, y: c.y + (p.x - c.x) * sin + (p.y - c.y) * cos };
}

function eyeAngleDegrees(l: FaceLandmarks): number {
  return (Math.atan2(l.rightEye.y - l.leftEye.y, l.rightEye.x - l.leftEye.x) * 180) / Math.PI;
}

/** A level, frontal face: eyes 40 px apart, mouth 50 px below them. */
const FRONTAL: FaceLandmarks = {
  leftEye: { x: 100, y: 100 },
  rightEye: { x: 140, y: 100 },
  nose: { x: 120, y: 120 },
  mouthLeft: { x: 105, y: 150 },
  mouthRight: { x: 135, y: 150 },
};

describe('faceFrame', () => {
  test('centre between eyes and mouth, eye-line angle, scale = max(eye-to-mouth, inter-ocular)', () => {
    const lm = FRONTAL;
    const f = faceFrame(lm);
    assert.deepEqual(f.centre, { x: 120, y: 125 });
    assert.equal(f.angle, 0);
    assert.equal(f.scale, 50);
    // A face turned sideways: eyes far apart, mouth close: the inter-ocular distance wins.
    assert.equal(faceFrame({ ...lm, rightEye: { x: 180, y: 100 } }).scale, 80);
  });

  test('rejects degenerate landmarks', () => {
    const p = { x: 5, y: 5 };
    assert.throws(() => faceFrame({ leftEye: p, rightEye: p, nose: p, mouthLeft: p, mouthRight: p }), ArgumentError);
    assert.throws(() => faceFrame({ leftEye: { x: Number.NaN, y: 0 }, rightEye: p, nose: p, mouthLeft: p, mouthRight: p }), ArgumentError);
  });
});

describe('landmarkBoxFrame', () => {
  const lm = FRONTAL;
  const rotate = (p: Point, a: number): Point => ({ x: p.x * Math.cos(a) - p.y * Math.sin(a), y: p.x * Math.sin(a) + p.y * Math.cos(a) });

  test('centre and longer side of the 68-point box, measured along and across the eye line', () => {
    const points = [{ x: 90, y: 80 }, { x: 150, y: 80 }, { x: 120, y: 170 }, { x: 95, y: 130 }];
    const level = landmarkBoxFrame({ ...lm, points });
    assert.deepEqual(level.centre, { x: 120, y: 125 });
    assert.equal(level.scale, 90);
    assert.equal(level.angle, 0);
    // The same face turned 30 degrees: same side, centre turned with it, angle of the eye line.
    const a = Math.PI / 6;
    const turned = landmarkBoxFrame({
      leftEye: rotate(lm.leftEye, a), rightEye: rotate(lm.rightEye, a), nose: rotate(lm.nose, a),
      mouthLeft: rotate(lm.mouthLeft, a), mouthRight: rotate(lm.mouthRight, a), points: points.map((p) => rotate(p, a)),
    });
    const c = rotate({ x: 120, y: 125 }, a);
    assert.ok(Math.abs(turned.scale - 90) < 1e-9 && Math.abs(turned.angle - a) < 1e-9);
    assert.ok(Math.hypot(turned.centre.x - c.x, turned.centre.y - c.y) < 1e-9);
  });

  test('without the 68 points: the five-point frame, scaled to a landmark box', () => {
    const f = landmarkBoxFrame(lm);
    assert.deepEqual(f.centre, faceFrame(lm).centre);
    assert.equal(f.scale, 50 * LANDMARK_BOX_PER_SCALE);
    assert.throws(() => landmarkBoxFrame({ ...lm, points: [{ x: 1, y: 1 }, { x: 1, y: 1 }, { x: 1, y: 1 }] }), ArgumentError);
  });

  test("alignFace 'landmarks' crops margin x the box around its centre", () => {
    // A white square exactly the landmark box on black: at margin 2 it fills the middle half of the crop.
    const image = solid(300, 300, [0, 0, 0]);
    for (let y = 80; y < 170; y++) for (let x = 75; x < 165; x++) image.data.set([255, 255, 255], (y * 300 + x) * 3);
    const points = [{ x: 75, y: 80 }, { x: 165, y: 80 }, { x: 120, y: 170 }];
    const crop = alignFace(image, { landmarks: { ...lm, points } }, { size: 40, margin: 2, align: 'landmarks' });
    const at = (x: number, y: number) => crop.data[(y * 40 + x) * 3]!;
    assert.equal(at(20, 20), 255);
    assert.equal(at(12, 20), 255);
    assert.equal(at(8, 20), 0);
    assert.equal(at(20, 31), 0);
  });
});

describe('alignFace geometry', () => {
  test('levels a face rotated by 30 degrees and frames it as documented', () => {
    const image = solid(300, 300, [128, 128, 128]);
    const c = { x: 150, y: 160 };
    const angle = (30 * Math.PI) / 180;
    const upright = { leftEye: { x: 130, y: 140 }, rightEye: { x: 170, y: 140 }, mouth: { x: 150, y: 190 } };
    const lm: FaceLandmarks = {
      leftEye: rotate(upright.leftEye, c, angle),
      rightEye: rotate(upright.rightEye, c, angle),
      nose: rotate({ x: 150, y: 165 }, c, angle),
      mouthLeft: rotate({ x: 140, y: 190 }, c, angle),
      mouthRight: rotate({ x: 160, y: 190 }, c, angle),
    };
    dot(image, lm.leftEye, [255, 0, 0]);
    dot(image, lm.rightEye, [0, 255, 0]);
    dot(image, rotate(upright.mouth, c, angle), [0, 0, 255]);

    const size = 100;
    const crop = alignFace(image, { landmarks: lm }, { size, margin: 2, align: 'eyes' });
    assert.equal(crop.width, size);
    assert.equal(crop.height, size);
    const left = centroid(crop, [255, 0, 0]);
    const right = centroid(crop, [0, 255, 0]);
    const mouth = centroid(crop, [0, 0, 255]);
    // scale = eye-to-mouth = 50 px, side = 100 px: one source pixel per crop pixel, centre (150, 165) -> (50, 50).
    assert.ok(Math.abs(left.y - right.y) < 0.5, `eyes level: ${left.y} vs ${right.y}`);
    assert.ok(Math.abs(left.x - 30) < 0.5 && Math.abs(left.y - 25) < 0.5, `left eye at ${JSON.stringify(left)}`);
    assert.ok(Math.abs(right.x - 70) < 0.5, `right eye at ${JSON.stringify(right)}`);
    assert.ok(Math.abs(mouth.x - 50) < 0.5 && Math.abs(mouth.y - 75) < 0.5, `mouth at ${JSON.stringify(mouth)}`);
    const f = faceFrame(lm);
    const mapped = toCrop(lm.leftEye, f.centre, f.angle, 2 * f.scale, size);
    assert.ok(Math.hypot(mapped.x - left.x, mapped.y - left.y) < 0.5, 'toCrop agrees with the pixels');
  });

  test('the same square at the same size is a copy; outside the image the edge repeats', () => {
    const image = solid(8, 6, [0, 0, 0]);
    for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) % 256;
    assert.deepEqual(warpSquare(image, { x: 4, y: 3 }, 0, 6, 6).data, resizeWhole(image, 6).data);
    const copy = warpSquare(image, { x: 4, y: 3 }, 0, 6, 6);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 6; x++) {
        assert.deepEqual([...copy.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)], [...image.data.subarray((y * 8 + x + 1) * 3, (y * 8 + x + 1) * 3 + 3)]);
      }
    }
    // Centred on the top-left pixel with side 4: the top-left 2x2 of the crop all repeat pixel (0, 0).
    const corner = warpSquare(image, { x: 0.5, y: 0.5 }, 0, 4, 4);
    for (const [x, y] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      assert.deepEqual([...corner.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)], [...image.data.subarray(0, 3)]);
    }
  });

  test("fill 'reflect': outside the image the image is mirrored at its edge; inside nothing changes", () => {
    const image = solid(8, 6, [0, 0, 0]);
    for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) % 256;
    const px = (img: typeof image, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
    // Side 8 centred on the image's centre column 4, row 3: crop columns 0..7 sample image columns 0..7, rows -1..6.
    const edge = warpSquare(image, { x: 4, y: 3 }, 0, 8, 8);
    const reflect = warpSquare(image, { x: 4, y: 3 }, 0, 8, 8, 'reflect');
    for (let x = 0; x < 8; x++) {
      for (let y = 1; y < 7; y++) assert.deepEqual(px(reflect, x, y), px(edge, x, y), `inside (${x}, ${y})`);
      // crop row 0 is image row -1: the edge repeats row 0, the mirror shows row 1
      assert.deepEqual(px(edge, x, 0), px(image, x, 0));
      assert.deepEqual(px(reflect, x, 0), px(image, x, 1));
      // crop row 7 is image row 6, one past the last: the mirror shows row 4
      assert.deepEqual(px(reflect, x, 7), px(image, x, 4));
    }
    // far outside, the mirror repeats with period 2 x (side - 1) and never leaves the image
    const far = warpSquare(image, { x: 4 + 14, y: 3 }, 0, 8, 8, 'reflect');
    assert.deepEqual(px(far, 0, 3), px(image, 0, 2)); // image column 14 = 2 x 7: back at column 0
    assert.deepEqual(px(far, 3, 3), px(image, 3, 2)); // column 17 mirrors to 3
    const aligned = alignFace(image, { landmarks: { leftEye: { x: 3, y: 2 }, rightEye: { x: 5, y: 2 }, nose: { x: 4, y: 3 }, mouthLeft: { x: 3, y: 4 }, mouthRight: { x: 5, y: 4 } } }, { size: 16, margin: 4, align: 'eyes', fill: 'reflect' });
    assert.notDeepEqual(aligned.data, alignFace(image, { landmarks: { leftEye: { x: 3, y: 2 }, rightEye: { x: 5, y: 2 }, nose: { x: 4, y: 3 }, mouthLeft: { x: 3, y: 4 }, mouthRight: { x: 5, y: 4 } } }, { size: 16, margin: 4, align: 'eyes' }).data);
    assert.throws(() => warpSquare(image, { x: 4, y: 3 }, 0, 8, 8, 'wrap' as 'edge'), /fill/);
    assert.throws(() => alignFace(image, null, { size: 8, margin: 2, align: 'none', fill: 'tile' as 'edge' }), /spec.fill/);
  });

  test("align 'faceapi': the 68-point box padded, upright, clipped to the image, centred in a black square", () => {
    // 68 points on a tilted 40 x 20 ellipse centred at (60, 50): the box is its bounding box, whatever the tilt
    const points: Point[] = Array.from({ length: 68 }, (_, i) => rotate({ x: 60 + 20 * Math.cos((i / 68) * 2 * Math.PI), y: 50 + 10 * Math.sin((i / 68) * 2 * Math.PI) }, { x: 60, y: 50 }, 0.3));
    const landmarks = { leftEye: points[36]!, rightEye: points[45]!, nose: points[30]!, mouthLeft: points[48]!, mouthRight: points[54]!, points };
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const p of points) [x0, y0, x1, y1] = [Math.min(x0, p.x), Math.min(y0, p.y), Math.max(x1, p.x), Math.max(y1, p.y)];
    const box = faceApiBox(landmarks, 1.2, 200, 200);
    const [w, h] = [x1 - x0, y1 - y0];
    assert.ok(Math.abs(box.x - (x0 - 0.1 * w)) < 1e-9 && Math.abs(box.width - 1.2 * w) < 1e-9 && Math.abs(box.height - 1.2 * h) < 1e-9, JSON.stringify(box));
    // clipped at the image's edges
    const clipped = faceApiBox(landmarks, 1.2, 70, 55);
    assert.deepEqual([clipped.x, clipped.y], [box.x, box.y]);
    assert.ok(Math.abs(clipped.x + clipped.width - 70) < 1e-9 && Math.abs(clipped.y + clipped.height - 55) < 1e-9);
    // the crop: upright (a vertical bar stays vertical), the box's shorter side padded with black, grey inside
    const image = solid(200, 200, [128, 128, 128]);
    for (let y = 0; y < 200; y++) image.data.set([255, 0, 0], (y * 200 + 60) * 3);
    const crop = alignFace(image, { landmarks }, { size: 64, margin: 1.2, align: 'faceapi' });
    const at = (x: number, y: number) => [...crop.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)];
    const barColumns = (y: number) => Array.from({ length: 64 }, (_, x) => x).filter((x) => at(x, y)[0]! > 180 && at(x, y)[1]! < 80);
    assert.deepEqual(barColumns(28), barColumns(36), 'not turned with the eyes');
    assert.ok(box.width > box.height);
    assert.deepEqual(at(5, 1), [0, 0, 0], 'black above the wide box');
    assert.deepEqual(at(5, 32), [128, 128, 128], 'the image inside it');
    // a face at the image's corner: black past the edge, where 'landmarks' repeats the edge
    const corner = alignFace(solid(70, 55, [128, 128, 128]), { landmarks }, { size: 64, margin: 1.2, align: 'faceapi' });
    assert.deepEqual([...corner.data.subarray((63 * 64 + 63) * 3, (63 * 64 + 63) * 3 + 3)], [0, 0, 0]);
    assert.throws(() => faceApiBox(landmarks, 1.2, 10, 10), /inside the image/);
  });

  test("align 'faceapi-level': face-api's crop turned with the eyes; the same as 'faceapi' when they are level", () => {
    // an upright face: eyes level, 68 points on a 40 x 50 ellipse around (100, 100)
    const centre = { x: 100, y: 100 };
    const upright = {
      leftEye: { x: 90, y: 92 }, rightEye: { x: 110, y: 92 }, nose: { x: 100, y: 102 }, mouthLeft: { x: 93, y: 114 }, mouthRight: { x: 107, y: 114 },
      points: Array.from({ length: 68 }, (_, i) => ({ x: 100 + 20 * Math.cos((i / 68) * 2 * Math.PI), y: 100 + 25 * Math.sin((i / 68) * 2 * Math.PI) })),
    };
    const turn = (angle: number) => ({
      ...Object.fromEntries((['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const).map((k) => [k, rotate(upright[k], centre, angle)])),
      points: upright.points.map((p) => rotate(p, centre, angle)),
    }) as typeof upright;
    const photo = (landmarks: typeof upright) => {
      const image = solid(200, 200, [128, 128, 128]);
      dot(image, landmarks.leftEye, [255, 0, 0]);
      dot(image, landmarks.rightEye, [0, 255, 0]);
      dot(image, { x: (landmarks.mouthLeft.x + landmarks.mouthRight.x) / 2, y: (landmarks.mouthLeft.y + landmarks.mouthRight.y) / 2 }, [0, 0, 255]);
      return image;
    };
    const spec = { size: 64, margin: 1.2, align: 'faceapi-level' as const };
    assert.deepEqual(alignFace(photo(upright), { landmarks: upright }, spec).data, alignFace(photo(upright), { landmarks: upright }, { ...spec, align: 'faceapi' }).data, 'level eyes: the same pixels');

    const tilted = turn(0.35);
    const level = alignFace(photo(tilted), { landmarks: tilted }, spec);
    const reference = alignFace(photo(upright), { landmarks: upright }, { ...spec, align: 'faceapi' });
    for (const rgb of [[255, 0, 0], [0, 255, 0], [0, 0, 255]] as [number, number, number][]) {
      const [a, b] = [centroid(level, rgb), centroid(reference, rgb)];
      assert.ok(Math.hypot(a.x - b.x, a.y - b.y) < 0.6, `${rgb}: ${JSON.stringify(a)} in the turned face, ${JSON.stringify(b)} upright`);
    }
    // upright, the same tilted face's crop is wider and shows the eyes at different heights
    const plain = alignFace(photo(tilted), { landmarks: tilted }, { ...spec, align: 'faceapi' });
    assert.ok(Math.abs(centroid(plain, [255, 0, 0]).y - centroid(plain, [0, 255, 0]).y) > 5);
    // the box, in the turned axes, is the upright face's box
    const box = faceApiBox(tilted, 1.2, 200, 200, faceFrame(tilted).angle);
    const uprightBox = faceApiBox(upright, 1.2, 200, 200);
    assert.ok(Math.abs(box.width - uprightBox.width) < 1e-9 && Math.abs(box.height - uprightBox.height) < 1e-9, JSON.stringify([box, uprightBox]));

    // at the image's corner: black where the turned square leaves the image
    const cornered = { ...tilted, points: tilted.points.map((p) => ({ x: p.x - 85, y: p.y - 85 })) };
    for (const k of ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const) cornered[k] = { x: tilted[k].x - 85, y: tilted[k].y - 85 };
    const edge = alignFace(solid(200, 200, [128, 128, 128]), { landmarks: cornered }, spec);
    assert.deepEqual([...edge.data.subarray(0, 3)], [0, 0, 0], 'black past the image');
    assert.deepEqual([...edge.data.subarray((40 * 64 + 40) * 3, (40 * 64 + 40) * 3 + 3)], [128, 128, 128], 'the image inside it');
  });

  test('shrinking averages (no aliasing of a 1-pixel checkerboard)', () => {
    const image = solid(64, 64, [0, 0, 0]);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if ((x + y) % 2 === 0) image.data.set([255, 255, 255], (y * 64 + x) * 3);
    const small = resizeWhole(image, 16);
    for (const v of small.data) assert.ok(Math.abs(v - 128) <= 1, `grey expected, got ${v}`);
  });

  test("align 'none' resizes the centred square of the whole image and ignores the face", () => {
    const image = solid(300, 200, [10, 20, 30]);
    dot(image, { x: 150, y: 100 }, [250, 0, 0], 10);
    const crop = alignFace(image, null, { size: 50, margin: DEFAULT_MARGIN, align: 'none' });
    assert.equal(crop.width, 50);
    const red = centroid(crop, [250, 0, 0]);
    assert.ok(Math.abs(red.x - 25) < 0.5 && Math.abs(red.y - 25) < 0.5);
    assert.deepEqual([...crop.data.subarray(0, 3)], [10, 20, 30]);
  });

  test('cropBox: square around the box centre, side = margin x BOX_SCALE x longer side', () => {
    const image = solid(400, 400, [0, 0, 0]);
    const box = { x: 100, y: 120, width: 80, height: 100 };
    const side = 2 * BOX_SCALE * 100;
    dot(image, { x: 140 - side / 4, y: 170 }, [255, 255, 0], 2);
    const crop = cropBox(image, box, 70, 2);
    const p = centroid(crop, [255, 255, 0]);
    assert.ok(Math.abs(p.x - 17.5) < 0.6 && Math.abs(p.y - 35) < 0.6, JSON.stringify(p));
    assert.equal(cropBox(image, box, 32).width, 32);
  });

  test('argument checks', () => {
    const image = solid(10, 10, [0, 0, 0]);
    assert.throws(() => alignFace(image, null, { size: 32, margin: 2, align: 'eyes' }), ArgumentError);
    assert.throws(() => alignFace(image, null, { size: 0, margin: 2, align: 'none' }), /Expected an integer between 1 and 4096 for spec.size/);
    assert.throws(() => alignFace(image, null, { size: 32, margin: 2, align: 'tilt' as 'none' }), /spec.align/);
    assert.throws(() => resizeWhole({ data: new Uint8Array(5), width: 10, height: 10 }, 8), /RgbImage/);
    assert.throws(() => cropBox(image, { x: 0, y: 0, width: 0, height: 4 }, 8, 2), /box.width/);
  });
});

describe('alignFace on real faces (UTKFace)', () => {
  let detector: FaceDetector;
  // Every 500th file: 39 crops, deterministic.
  const files = readdirSync(utkface).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 500 === 0);

  before(async () => {
    detector = await createFaceDetector({ mode: 'crop' });
  });
  after(() => detector.dispose());

  test('at DEFAULT_MARGIN an aligned UTKFace crop matches the original framing', async (t) => {
    const shifts: number[] = [];
    for (const file of files) {
      const image = await decodeImage(path.join(utkface, file));
      const [face] = await detector.detect(image);
      if (!face) continue;
      const f = faceFrame(face.landmarks);
      for (const eye of [face.landmarks.leftEye, face.landmarks.rightEye]) {
        const p = toCrop(eye, f.centre, f.angle, DEFAULT_MARGIN * f.scale, image.width);
        shifts.push(Math.hypot(p.x - eye.x, p.y - eye.y));
      }
    }
    shifts.sort((a, b) => a - b);
    assert.ok(shifts.length >= 70, `faces found in ${shifts.length / 2} of ${files.length}`);
    const median = shifts[shifts.length >> 1];
    const p90 = shifts[Math.floor(shifts.length * 0.9)];
    t.diagnostic(`eye shift over ${shifts.length} eyes: median ${median.toFixed(1)} px, p90 ${p90.toFixed(1)} px`);
    assert.ok(median < 6 && p90 < 12, `eye moved by median ${median.toFixed(1)} px, p90 ${p90.toFixed(1)} px (of 200)`);
  });

  test('a UTKFace crop rotated by 20 degrees comes back level', async (t) => {
    const angles: string[] = [];
    for (const file of files.slice(0, 6)) {
      const rotated = await sharp(path.join(utkface, file)).rotate(20, { background: '#808080' }).jpeg({ quality: 95 }).toBuffer();
      const image = await decodeImage(rotated, {}, file);
      const [face] = await detector.detect(image);
      assert.ok(face, `face found in rotated ${file}`);
      assert.ok(Math.abs(eyeAngleDegrees(face.landmarks) - 20) < 6, `eye line of rotated ${file}: ${eyeAngleDegrees(face.landmarks)}`);
      const aligned = alignFace(image, face, { size: 200, margin: DEFAULT_MARGIN, align: 'eyes' });
      const [again] = await detector.detect(aligned);
      assert.ok(again, `face found in aligned ${file}`);
      assert.ok(Math.abs(eyeAngleDegrees(again.landmarks)) < 3, `eye line after align ${file}: ${eyeAngleDegrees(again.landmarks)}`);
      angles.push(`${eyeAngleDegrees(face.landmarks).toFixed(1)} -> ${eyeAngleDegrees(again.landmarks).toFixed(1)}`);
    }
    t.diagnostic(`eye-line angle before -> after align, degrees: ${angles.join(', ')}`);
  });
});
