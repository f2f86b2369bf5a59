// Tiny models and synthetic batches for the training tests (no dataset, a few ms per step).
import type { Preprocessing } from '../core/types.js';
import type { FaceBatch } from '../data/batch.js';
import { writeIndex, writeShard, type PreparedFace } from '../data/shards.js';
import { tf } from '../tf/backend.js';
import { seededRandom } from '../core/rng.js';
import type { Callback, StepLogs } from './types.js';

export const TINY_PREPROCESSING: Preprocessing = { inputSize: 8, mean: [127.5, 127.5, 127.5], std: [64, 64, 64], margin: 1, align: 'none' };

/**
 * A few layers: conv (optional) -> pooled features -> dense 'trunk' (+ BatchNorm) -> 101-way 'age' softmax and an
 * optional 2-way 'gender' softmax.
 */
export function tinyModel(options: { gender?: boolean; conv?: boolean; batchNorm?: boolean; seed?: number; classes?: number } = {}): tf.LayersModel {
  const seed = options.seed ?? 1;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 100 + s });
  const size = TINY_PREPROCESSING.inputSize;
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  let x: tf.SymbolicTensor = input;
  if (options.conv) {
    x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv' }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 16, kernelInitializer: init(2), name: 'trunk' }).apply(x) as tf.SymbolicTensor;
  if (options.batchNorm) x = tf.layers.batchNormalization({ name: 'trunk_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'trunk_relu' }).apply(x) as tf.SymbolicTensor;
  const outputs = [tf.layers.dense({ units: options.classes ?? 101, activation: 'softmax', kernelInitializer: init(3), name: 'age' }).apply(x) as tf.SymbolicTensor];
  if (options.gender) {
    outputs.push(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(4), name: 'gender' }).apply(x) as tf.SymbolicTensor);
  }
  return tf.model({ inputs: input, outputs, name: 'tiny' });
}

/**
 * A learnable synthetic task: each face is a flat colour whose brightness encodes the age (plus noise) and whose
 * red/blue balance encodes the gender; some genders are unknown.
 */
export function syntheticBatch(count: number, seed: number, size = TINY_PREPROCESSING.inputSize, pathPrefix = 'synthetic'): FaceBatch {
  const random = seededRandom(seed);
  const faceBytes = size * size * 3;
  const batch: FaceBatch = {
    size,
    count,
    faces: new Uint8Array(count * faceBytes),
    ages: new Float32Array(count),
    genders: new Int8Array(count),
    paths: [],
  };
  for (let i = 0; i < count; i++) {
    const age = Math.floor(random() * 80) + 5;
    const gender = random() < 0.2 ? -1 : random() < 0.5 ? 0 : 1;
    batch.ages[i] = age;
    batch.genders[i] = gender;
    batch.paths.push(`${pathPrefix}/${seed}-${i}.jpg`);
    const level = 20 + age * 2.5;
    for (let p = 0; p < size * size; p++) {
      const noise = (random() - 0.5) * 10;
      const tint = gender === 1 ? 30 : gender === 0 ? -30 : 0;
      batch.faces[i * faceBytes + p * 3] = Math.max(0, Math.min(255, level + tint + noise));
      batch.faces[i * faceBytes + p * 3 + 1] = Math.max(0, Math.min(255, level + noise));
      batch.faces[i * faceBytes + p * 3 + 2] = Math.max(0, Math.min(255, level - tint + noise));
    }
  }
  return batch;
}

/** `batches` synthetic batches per epoch, in an order that depends only on (seed, epoch). */
export function syntheticData(batches: number, batchSize: number, seed = 7): (epoch?: number) => AsyncIterable<FaceBatch> {
  return (epoch = 0) =>
    (async function* () {
      for (let b = 0; b < batches; b++) yield syntheticBatch(batchSize, seed * 1000 + epoch * 100 + b);
    })();
}

/** Throws once a step is done and the callbacks before it ran: a kill, for resume tests. */
export class StopAt implements Callback {
  constructor(private readonly step: number) {}

  onBatchEnd(logs: StepLogs): void {
    if (logs.step >= this.step) throw new Error(`stopped at step ${logs.step}`);
  }
}

/** Writes a tiny prepared-shard folder of synthetic faces (`perShard` faces per split per shard). */
export async function writeSyntheticShards(dir: string, options: { shards?: number; train?: number; val?: number; seed?: number } = {}): Promise<void> {
  const shards = options.shards ?? 2;
  const size = TINY_PREPROCESSING.inputSize;
  for (let s = 0; s < shards; s++) {
    const faces: PreparedFace[] = [];
    for (const [split, count] of [['train', options.train ?? 24], ['val', options.val ?? 8]] as const) {
      const batch = syntheticBatch(count, (options.seed ?? 1) * 100 + s * 10 + (split === 'train' ? 0 : 1), size, `${split}-${s}`);
      for (let i = 0; i < count; i++) {
        const g = batch.genders[i];
        faces.push({
          split,
          path: batch.paths[i]!,
          age: batch.ages[i]!,
          gender: g === 0 ? 'male' : g === 1 ? 'female' : undefined,
          pixels: batch.faces.slice(i * size * size * 3, (i + 1) * size * size * 3),
        });
      }
    }
    await writeShard(dir, s, size, faces, []);
  }
  await writeIndex(dir, { source: 'synthetic', format: 'synthetic', size, preprocessing: { margin: 1, align: 'none', faceSource: 'aligned', size }, seed: 1 }, shards);
}
