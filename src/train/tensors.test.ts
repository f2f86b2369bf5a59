import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { initBackend, tf } from '../tf/backend.js';
import { ageTarget, batchToInput, batchToTargets, DEFAULT_AUGMENTATION, drawAugmentation, WILD_AUGMENTATION } from './tensors.js';

const NONE = { flip: 0, shift: 0, scale: [1, 1] as [number, number], rotate: 0, brightness: 0, contrast: 0, saturation: 0, grayscale: 0, blur: 0 };

function pre(inputSize: number): Preprocessing {
  return { inputSize, mean: [0, 0, 0], std: [1, 1, 1], margin: 1, align: 'none' };
}

/** Faces whose pixels are a gradient (so flips and shifts are visible), each image offset by its index. */
function gradientBatch(count: number, size: number): FaceBatch {
  const faces = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const o = ((i * size + y) * size + x) * 3;
        faces[o] = (x * 200) / size + i * 10;
        faces[o + 1] = (y * 200) / size;
        faces[o + 2] = 50 + i * 20;
      }
    }
  }
  return { size, count, faces, ages: new Float32Array(count).fill(30), genders: new Int8Array(count), paths: [] };
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('batchToInput', () => {
  before(async () => {
    await initBackend();
  });

  it('normalises as (x - mean) / std when no resampling is needed', async () => {
    const batch = gradientBatch(2, 8);
    const p: Preprocessing = { inputSize: 8, mean: [10, 20, 30], std: [2, 4, 8], margin: 1, align: 'none' };
    const out = await values(batchToInput(batch, p));
    for (let i = 0; i < out.length; i++) {
      const c = i % 3;
      assert.ok(Math.abs(out[i]! - (batch.faces[i]! - p.mean[c]!) / p.std[c]!) < 1e-5);
    }
  });

  it('area-averages when the crop is an integer multiple of the input size', async () => {
    const batch = gradientBatch(2, 16);
    const out = await values(batchToInput(batch, pre(8)));
    const at = (b: number, y: number, x: number, c: number) => batch.faces[((b * 16 + y) * 16 + x) * 3 + c]!;
    for (const [b, y, x] of [[0, 0, 0], [1, 3, 5], [1, 7, 7]] as const) {
      const expected = (at(b, 2 * y, 2 * x, 0) + at(b, 2 * y + 1, 2 * x, 0) + at(b, 2 * y, 2 * x + 1, 0) + at(b, 2 * y + 1, 2 * x + 1, 0)) / 4;
      assert.ok(Math.abs(out[((b * 8 + y) * 8 + x) * 3]! - expected) < 1e-4);
    }
  });

  it('resamples other sizes like a half-pixel bilinear resize', async () => {
    const batch = gradientBatch(2, 12);
    const out = await values(batchToInput(batch, pre(8)));
    const x = tf.tensor4d(Float32Array.from(batch.faces), [2, 12, 12, 3]);
    const ref = await values(tf.image.resizeBilinear(x, [8, 8], false, true));
    x.dispose();
    assert.ok(maxDiff(out, ref) < 1e-3, `max difference ${maxDiff(out, ref)}`);
  });

  it('augments reproducibly from the seed', async () => {
    const batch = gradientBatch(4, 16);
    const a = await values(batchToInput(batch, pre(8), { augment: true, seed: 5 }));
    const b = await values(batchToInput(batch, pre(8), { augment: true, seed: 5 }));
    const c = await values(batchToInput(batch, pre(8), { augment: true, seed: 6 }));
    assert.deepEqual(a, b);
    assert.ok(maxDiff(a, c) > 1);
    assert.ok(a.every((v) => v >= 0 && v <= 255));
  });

  it('flips horizontally', async () => {
    const batch = gradientBatch(3, 8);
    const plain = await values(batchToInput(batch, pre(8)));
    const flipped = await values(batchToInput(batch, pre(8), { augment: { ...NONE, flip: 1 }, seed: 1 }));
    for (let b = 0; b < 3; b++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          for (let c = 0; c < 3; c++) {
            const i = ((b * 8 + y) * 8 + x) * 3 + c;
            const j = ((b * 8 + y) * 8 + (7 - x)) * 3 + c;
            assert.ok(Math.abs(flipped[i]! - plain[j]!) < 1e-3);
          }
        }
      }
    }
  });

  it('wild augmentation adds noise, low light and colour casts from its own seeded stream', async () => {
    const batch = gradientBatch(8, 8);
    const plain = drawAugmentation(8, DEFAULT_AUGMENTATION, 5);
    assert.ok(plain.noiseStd.every((n) => n === 0) && plain.light.every((l) => l === 1) && plain.cast.every((c) => c.every((g) => g === 1)));
    const wild = drawAugmentation(8, WILD_AUGMENTATION, 5);
    assert.deepEqual(wild.noiseStd, drawAugmentation(8, WILD_AUGMENTATION, 5).noiseStd);
    const noisy = await values(batchToInput(batch, pre(8), { augment: { ...NONE, noise: 1, noiseStd: 20 }, seed: 2 }));
    const clean = await values(batchToInput(batch, pre(8)));
    const rms = Math.sqrt(noisy.reduce((s, v, i) => s + (v - clean[i]!) ** 2, 0) / noisy.length);
    assert.ok(rms > 2 && rms < 20, `noise rms ${rms}`);
    const dark = await values(batchToInput(batch, pre(8), { augment: { ...NONE, lowLight: 1 }, seed: 2 }));
    const meanOf = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
    const ratio = meanOf(dark) / meanOf(clean);
    assert.ok(ratio > 0.34 && ratio < 0.76, `low light kept ${ratio}`);
  });

  it('turns faces gray', async () => {
    const out = await values(batchToInput(gradientBatch(2, 8), pre(8), { augment: { ...NONE, grayscale: 1 }, seed: 1 }));
    for (let i = 0; i < out.length; i += 3) {
      assert.ok(Math.abs(out[i]! - out[i + 1]!) < 1e-3 && Math.abs(out[i]! - out[i + 2]!) < 1e-3);
    }
  });

  it('transforms every image of a batch on the cpu backend too', async () => {
    const batch = gradientBatch(3, 16);
    const options = { augment: { ...NONE, rotate: 10, shift: 0.08, scale: [0.9, 1.1] as [number, number] }, seed: 3 };
    const backend = tf.getBackend();
    await tf.setBackend('cpu');
    const onCpu = await values(batchToInput(batch, pre(8), options));
    await tf.setBackend(backend);
    const here = await values(batchToInput(batch, pre(8), options));
    assert.ok(maxDiff(onCpu, here) < 1e-3, `max difference ${maxDiff(onCpu, here)}`);
    assert.ok(onCpu.subarray(2 * 8 * 8 * 3).some((v) => v > 0));
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const batch = gradientBatch(4, 16);
    tf.dispose([batchToInput(batch, pre(8), { augment: { blur: 1 }, seed: 2 }), batchToInput(batch, pre(12))]);
    const t = batchToTargets(batch, { classes: 101 });
    tf.dispose([t.age, t.ages, t.gender, t.genderWeight]);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('targets', () => {
  it('one-hot splits a fractional age between neighbours', () => {
    const t = ageTarget(30.25, { classes: 101, kind: 'onehot' });
    assert.ok(Math.abs(t[30]! - 0.75) < 1e-6 && Math.abs(t[31]! - 0.25) < 1e-6);
    assert.ok(Math.abs(t.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  });

  it('smooths and spreads as distributions whose mean is the age', () => {
    for (const kind of ['smooth', 'gaussian'] as const) {
      const t = ageTarget(40, { classes: 101, kind, smoothing: 0.1, sigma: 2 });
      const sum = t.reduce((a, b) => a + b, 0);
      const mean = t.reduce((a, p, k) => a + p * k, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `${kind} sums to ${sum}`);
      assert.ok(Math.abs(mean - (kind === 'smooth' ? 40 * 0.9 + 50 * 0.1 : 40)) < 1e-3, `${kind} mean ${mean}`);
      assert.equal(t.indexOf(Math.max(...t)), 40);
    }
  });

  it('weights gender by whether it is known', async () => {
    await initBackend();
    const batch: FaceBatch = { size: 1, count: 3, faces: new Uint8Array(9), ages: Float32Array.from([1, 2, 3]), genders: Int8Array.from([0, 1, -1]), paths: [] };
    const t = batchToTargets(batch, { classes: 5, kind: 'onehot' });
    assert.deepEqual(Array.from(await t.gender.data()), [1, 0, 0, 1, 0, 0]);
    assert.deepEqual(Array.from(await t.genderWeight.data()), [1, 1, 0]);
    assert.deepEqual(t.age.shape, [3, 5]);
    tf.dispose([t.age, t.ages, t.gender, t.genderWeight]);
  });
});
