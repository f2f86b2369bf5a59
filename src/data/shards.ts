// Prepared shards: uint8 face crops + labels on disk, written resumably and streamed with bounded memory.
//
// Layout of a shard folder:
//   index.json                     ShardIndex: counts, splits, preprocessing, rejects by reason
//   shard-00007.json               ShardManifest: the rows of input chunk 7 (faces per split, rejects)
//   shard-00007-train.bin          count x size x size x 3 uint8, in the manifest's order (likewise -val, -test)
// A shard's manifest is written last (after its .bin files, each via temp file + rename), so its presence marks
// the shard complete: a rerun after a kill skips finished shards and redoes the one in flight, never twice.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic.js';
import { readJsonFile } from '../core/json-file.js';
import { ageBand } from './splits.js';
import { seededRandom } from '../core/rng.js';
import { join } from 'node:path';
import type { Gender, Preprocessing, SplitName } from '../core/types.js';
import { HowoldError } from '../core/errors.js';
import type { FaceBatch } from './batch.js';
import type { DetectorMode } from '../detect/index.js';

export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

export interface ShardRow {
  path: string;
  age: number;
  gender?: Gender;
}

export interface ShardManifest {
  shard: number;
  size: number;
  /** Rows per split, in the order of the faces in the matching .bin file. */
  rows: Record<SplitName, ShardRow[]>;
  rejects: { path: string; reason: string; detail?: string }[];
}

export interface ShardIndex {
  version: 1;
  source: string;
  format: string;
  size: number;
  /** How the crops were made: margin, alignment and the face source ('detect', 'box' or 'aligned'). */
  preprocessing: Pick<Preprocessing, 'margin' | 'align' | 'fill'> & { faceSource: string; size: number; detectorMode?: DetectorMode };
  seed: number;
  shards: number;
  count: number;
  splits: Record<SplitName, number>;
  rejects: Record<string, number>;
  ageHistogram: Record<string, number>;
  complete: boolean;
}

export function shardName(shard: number): string {
  return `shard-${String(shard).padStart(5, '0')}`;
}

export interface PreparedFace extends ShardRow {
  split: SplitName;
  /** size x size x 3 uint8 RGB. */
  pixels: Uint8Array;
}

/** Writes one finished chunk of input rows as a shard. */
export async function writeShard(
  dir: string,
  shard: number,
  size: number,
  faces: PreparedFace[],
  rejects: ShardManifest['rejects'],
): Promise<ShardManifest> {
  await mkdir(dir, { recursive: true });
  const manifest: ShardManifest = { shard, size, rows: { train: [], val: [], test: [] }, rejects };
  const faceBytes = size * size * 3;
  for (const split of SPLITS) {
    const ofSplit = faces.filter((f) => f.split === split);
    const bytes = new Uint8Array(ofSplit.length * faceBytes);
    ofSplit.forEach((face, i) => {
      if (face.pixels.length !== faceBytes) throw new Error(`face ${face.path} has ${face.pixels.length} bytes, expected ${faceBytes}`);
      bytes.set(face.pixels, i * faceBytes);
      manifest.rows[split].push(face.gender ? { path: face.path, age: face.age, gender: face.gender } : { path: face.path, age: face.age });
    });
    await writeFileAtomic(join(dir, `${shardName(shard)}-${split}.bin`), bytes);
  }
  await writeFileAtomic(join(dir, `${shardName(shard)}.json`), JSON.stringify(manifest));
  return manifest;
}

/** Shard numbers whose manifest exists (finished shards). */
export async function finishedShards(dir: string): Promise<Set<number>> {
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return new Set();
  }
  const done = new Set<number>();
  for (const name of names) {
    const m = /^shard-(\d{5,})\.json$/.exec(name);
    if (m) done.add(Number(m[1]));
  }
  return done;
}

export async function readManifest(dir: string, shard: number): Promise<ShardManifest> {
  return JSON.parse(await readFile(join(dir, `${shardName(shard)}.json`), 'utf8')) as ShardManifest;
}


/** Builds index.json from the manifests on disk (the truth after any number of interrupted runs). */
export async function writeIndex(
  dir: string,
  base: Omit<ShardIndex, 'version' | 'shards' | 'count' | 'splits' | 'rejects' | 'ageHistogram' | 'complete'>,
  expectedShards: number,
  extraRejects: Record<string, number> = {},
): Promise<ShardIndex> {
  const done = [...(await finishedShards(dir))].sort((a, b) => a - b);
  const index: ShardIndex = {
    version: 1,
    ...base,
    shards: done.length,
    count: 0,
    splits: { train: 0, val: 0, test: 0 },
    rejects: { ...extraRejects },
    ageHistogram: {},
    complete: done.length === expectedShards,
  };
  for (const shard of done) {
    const manifest = await readManifest(dir, shard);
    for (const split of SPLITS) {
      for (const row of manifest.rows[split]) {
        index.splits[split] += 1;
        index.count += 1;
        const band = ageBand(row.age);
        index.ageHistogram[band] = (index.ageHistogram[band] ?? 0) + 1;
      }
    }
    for (const r of manifest.rejects) index.rejects[r.reason] = (index.rejects[r.reason] ?? 0) + 1;
  }
  await writeFileAtomic(join(dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}

export function readShardIndex(dir: string): Promise<ShardIndex> {
  return readJsonFile<ShardIndex>(join(dir, 'index.json'), dir, {
    code: 'not_shards',
    message: 'no index.json: not a prepared shard folder (run `howold data prepare` first)',
  }, 'bad_index');
}

export interface StreamOptions {
  split?: SplitName;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  /** Faces held for shuffling; memory is bounded by this, not by the dataset. */
  bufferSize?: number;
  /** Stop after this many faces. */
  limit?: number;
}

interface BufferedFace {
  pixels: Uint8Array;
  row: ShardRow;
}

/**
 * Streams faces of one split as batches: shards in a seeded order, one shard read ahead, and a seeded shuffle
 * buffer (tfjs-data's `shuffle(buffer).batch()`), so memory stays flat however large the dataset.
 */
export async function* streamShards(dir: string, options: StreamOptions): AsyncGenerator<FaceBatch> {
  const split = options.split ?? 'train';
  const shuffle = options.shuffle ?? split === 'train';
  const random = seededRandom(options.seed ?? 0);
  const bufferSize = Math.max(1, options.bufferSize ?? (shuffle ? 2048 : 1));
  const limit = options.limit ?? Infinity;
  const shards = [...(await finishedShards(dir))].sort((a, b) => a - b);
  if (shards.length === 0) throw new HowoldError('not_shards', 'no finished shards found', dir);
  if (shuffle) {
    for (let i = shards.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shards[i], shards[j]] = [shards[j]!, shards[i]!];
    }
  }

  const load = async (shard: number) => {
    const manifest = await readManifest(dir, shard);
    const rows = manifest.rows[split];
    const bytes: Uint8Array = rows.length > 0 ? await readFile(join(dir, `${shardName(shard)}-${split}.bin`)) : new Uint8Array(0);
    return { rows, bytes, size: manifest.size };
  };

  const buffer: BufferedFace[] = [];
  let size = 0;
  let emitted = 0;
  let batch: BufferedFace[] = [];

  const toBatch = (items: BufferedFace[]): FaceBatch => {
    const faceBytes = size * size * 3;
    const out: FaceBatch = {
      size,
      count: items.length,
      faces: new Uint8Array(items.length * faceBytes),
      ages: new Float32Array(items.length),
      genders: new Int8Array(items.length),
      paths: [],
    };
    items.forEach((item, i) => {
      out.faces.set(item.pixels, i * faceBytes);
      out.ages[i] = item.row.age;
      out.genders[i] = item.row.gender === 'male' ? 0 : item.row.gender === 'female' ? 1 : -1;
      out.paths.push(item.row.path);
    });
    return out;
  };

  const take = (): BufferedFace => {
    const i = shuffle ? Math.floor(random() * buffer.length) : 0;
    const item = buffer[i]!;
    if (shuffle) {
      buffer[i] = buffer[buffer.length - 1]!;
      buffer.pop();
    } else {
      buffer.shift();
    }
    return item;
  };

  let next = shards.length > 0 ? load(shards[0]!) : undefined;
  for (let s = 0; s < shards.length && emitted < limit; s++) {
    const current = await next!;
    next = s + 1 < shards.length ? load(shards[s + 1]!) : undefined;
    size = current.size;
    const faceBytes = size * size * 3;
    for (let i = 0; i < current.rows.length && emitted < limit; i++) {
      // a copy, not a view: a view would keep the whole shard's buffer alive while any of its faces waits
      buffer.push({ pixels: current.bytes.slice(i * faceBytes, (i + 1) * faceBytes), row: current.rows[i]! });
      while (buffer.length >= bufferSize && emitted < limit) {
        batch.push(take());
        emitted += 1;
        if (batch.length === options.batchSize) {
          const full = toBatch(batch);
          batch = [];
          yield full;
        }
      }
    }
  }
  next?.catch(() => undefined);
  while (buffer.length > 0 && emitted < limit) {
    batch.push(take());
    emitted += 1;
    if (batch.length === options.batchSize) {
      yield toBatch(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield toBatch(batch);
}
