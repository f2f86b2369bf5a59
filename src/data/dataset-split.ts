// The train/val/test split of a dataset exactly as `howold data prepare` made it, without its shards.
// splitDataset hashes each row's path as the reader gives it, and prepare reads the source as spelt on its command
// line (the model card's runs: `../shared/datasets/utkface` from the repo root). So the rows are keyed by their
// path relative to the folder prepare ran in (`base`), whatever the caller's working directory.
import path from 'node:path';
import type { LabelledRow, SplitName } from '../core/types.js';
import { openDataset, readDataset, type DatasetFormat } from './readers/index.js';
import { splitDataset } from './splits.js';

export interface DatasetSplitOptions {
  /** Seed of the split (`data prepare --seed`: 1 by default there and here). */
  seed?: number;
  /** The folder `data prepare` ran in (default: the working directory). */
  base?: string;
}

/**
 * The rows of each split as `data prepare SOURCE --format FORMAT --seed SEED`, run in `base`, assigns them
 * (before detection: rows prepare then rejects for no face are still here). Paths are absolute.
 */
export async function readDatasetSplit(
  source: string,
  format: DatasetFormat,
  options: DatasetSplitOptions = {},
): Promise<Record<SplitName, LabelledRow[]>> {
  const base = path.resolve(options.base ?? process.cwd());
  const { rows } = await readDataset(openDataset(path.resolve(source), format));
  const keyed = rows.map((row) => ({ ...row, path: path.relative(base, row.path) }));
  const split = splitDataset(keyed, { seed: options.seed ?? 1 });
  const absolute = (list: LabelledRow[]) => list.map((row) => ({ ...row, path: path.resolve(base, row.path) }));
  return { train: absolute(split.train), val: absolute(split.val), test: absolute(split.test) };
}
