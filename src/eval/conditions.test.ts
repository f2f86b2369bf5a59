import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '../core/errors.js';
import type { RgbImage } from '../core/types.js';
import { decodeImage } from '../image/decode.js';
import { BASE_FACE_SIZE, COLOUR_CASTS, CONDITIONS, encodeJpeg, parseConditions, type Condition } from './conditions.js';
import { createScene, renderFace } from './scenes.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const FACE = path.resolve(repoRoot, '../shared/datasets/utkface/27_0_0_20170116204851886.jpg.chip.jpg');

async function scene(): Promise<RgbImage> {
  return (await renderFace(createScene(3), await decodeImage(FACE), BASE_FACE_SIZE)).image;
}

const condition = (name: string): Condition => CONDITIONS.find((c) => c.name === name)!;

function channelMeans(image: RgbImage): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < image.data.length; i++) sum[i % 3]! += image.data[i]!;
  const n = image.data.length / 3;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** Mean squared Laplacian (4 neighbours, each channel): the energy of an image's finest detail. */
function detail(image: RgbImage): number {
  const { width, height, data } = image;
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (dx: number, dy: number) => data[((y + dy) * width + x + dx) * 3 + c]!;
        const l = 4 * at(0, 0) - at(-1, 0) - at(1, 0) - at(0, -1) - at(0, 1);
        sum += l * l;
      }
    }
  }
  return sum / ((width - 2) * (height - 2) * 3);
}

const meanAbsDiff = (a: RgbImage, b: RgbImage) => a.data.reduce((s, v, i) => s + Math.abs(v - b.data[i]!), 0) / a.data.length;

test('the conditions: unique names, sizes 24 to 200, JPEG 20 to 90, turns of ±20°', () => {
  const names = CONDITIONS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(names[0], 'clean');
  const sizes = CONDITIONS.map((c) => c.faceSize);
  assert.equal(Math.min(...sizes), 24);
  assert.equal(Math.max(...sizes), 200);
  assert.ok(names.includes('jpeg-20') && names.includes('jpeg-90'));
  assert.deepEqual(
    CONDITIONS.filter((c) => c.angle !== 0).map((c) => c.angle).sort((a, b) => a - b),
    [-20, -10, 10, 20],
  );
  assert.ok(names.includes('grayscale') && names.some((n) => n.startsWith('lowlight')) && names.some((n) => n.startsWith('cast-')));
});

test('parseConditions: all by default, the named ones in order, an unknown name is a one-line error', () => {
  assert.equal(parseConditions().length, CONDITIONS.length);
  assert.deepEqual(parseConditions('grayscale, clean').map((c) => c.name), ['grayscale', 'clean']);
  assert.throws(() => parseConditions('clean,sepia'), (err: unknown) => err instanceof ArgumentError && /sepia/.test(err.message) && !err.message.includes('\n'));
  assert.throws(() => parseConditions(' , '), ArgumentError);
});

test('JPEG: lower quality, smaller file and more change; the estimator gets the JPEG bytes', async () => {
  const image = await scene();
  const q20 = await encodeJpeg(image, 20);
  const q90 = await encodeJpeg(image, 90);
  assert.ok(q20.length < q90.length / 2, `q20 ${q20.length} bytes vs q90 ${q90.length}`);
  const low = await condition('jpeg-20').distort!(image, 1);
  const high = await condition('jpeg-90').distort!(image, 1);
  assert.ok(Buffer.isBuffer(low.input) && low.input[0] === 0xff && low.input[1] === 0xd8, 'a JPEG');
  assert.equal(low.input.length, q20.length);
  assert.ok(meanAbsDiff(low.pixels, image) > 2 * meanAbsDiff(high.pixels, image), 'quality 20 changes the pixels more than 90');
});

test('grayscale gives equal channels and keeps the brightness', async () => {
  const image = await scene();
  const { pixels, input } = await condition('grayscale').distort!(image, 1);
  assert.equal(input, pixels);
  for (let i = 0; i < pixels.data.length; i += 3) {
    assert.ok(pixels.data[i] === pixels.data[i + 1] && pixels.data[i] === pixels.data[i + 2], `pixel ${i / 3}`);
  }
  const [r, g, b] = channelMeans(image);
  assert.ok(Math.abs(channelMeans(pixels)[0] - (0.299 * r + 0.587 * g + 0.114 * b)) < 0.5);
});

test('low light lowers the mean in proportion; colour casts scale each channel by its gain', async () => {
  const image = await scene();
  const before = channelMeans(image);
  for (const [name, share] of [['lowlight-40', 0.4], ['lowlight-25', 0.25]] as const) {
    const after = channelMeans((await condition(name).distort!(image, 1)).pixels);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(after[c]! - share * before[c]!) < 0.6, `${name} channel ${c}: ${after[c]} vs ${share * before[c]!}`);
  }
  for (const [name, gains] of Object.entries(COLOUR_CASTS)) {
    const after = channelMeans((await condition(`cast-${name}`).distort!(image, 1)).pixels);
    for (let c = 0; c < 3; c++) {
      // gains above 1 clip at 255, so the mean grows by at most the gain
      const ratio = after[c]! / before[c]!;
      if (gains[c]! <= 1) assert.ok(Math.abs(ratio - gains[c]!) < 0.01, `cast-${name} channel ${c}: ${ratio}`);
      else assert.ok(ratio > 1 + (gains[c]! - 1) * 0.8 && ratio <= gains[c]! + 0.01, `cast-${name} channel ${c}: ${ratio}`);
    }
  }
});

test('noise has the stated spread and comes from the seed', async () => {
  const image = await scene();
  const noise = condition('noise-16');
  const a = (await noise.distort!(image, 9)).pixels;
  const b = (await noise.distort!(image, 9)).pixels;
  const c = (await noise.distort!(image, 10)).pixels;
  assert.ok(Buffer.from(a.data).equals(Buffer.from(b.data)));
  assert.ok(!Buffer.from(a.data).equals(Buffer.from(c.data)));
  // the spread on mid-grey pixels, where clipping at 0 and 255 does not shrink it
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < image.data.length; i++) {
    if (image.data[i]! < 64 || image.data[i]! > 191) continue;
    const d = a.data[i]! - image.data[i]!;
    sum += d;
    sq += d * d;
    n += 1;
  }
  const std = Math.sqrt(sq / n - (sum / n) ** 2);
  assert.ok(Math.abs(std - 16) < 0.8 && Math.abs(sum / n) < 0.3, `std ${std}, mean ${sum / n}`);
});

test('blur removes fine detail and keeps the mean', async () => {
  // the face itself: the generated background has little fine detail to lose
  const image = await decodeImage(FACE);
  const mild = (await condition('blur-1.5').distort!(image, 1)).pixels;
  const strong = (await condition('blur-3').distort!(image, 1)).pixels;
  assert.ok(detail(mild) < 0.3 * detail(image), `${detail(mild)} vs ${detail(image)}`);
  assert.ok(detail(strong) < 0.5 * detail(mild), `${detail(strong)} vs ${detail(mild)}`);
  const photo = await scene();
  const blurred = (await condition('blur-3').distort!(photo, 1)).pixels;
  channelMeans(photo).forEach((m, c) => assert.ok(Math.abs(channelMeans(blurred)[c]! - m) < 0.5, `channel ${c}`));
});

test('size and rotation conditions render, they do not distort', () => {
  for (const c of CONDITIONS.filter((c) => c.name.startsWith('size-') || c.name.startsWith('rotate'))) assert.equal(c.distort, undefined, c.name);
  assert.equal(condition('rotate+20').faceSize, BASE_FACE_SIZE);
  assert.equal(condition('size-24').angle, 0);
});
