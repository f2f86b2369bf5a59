// The held-out test split of prepared shards, as a manifest `evaluate` reads: the faces a run never trained on.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseUtkfaceName } from '../data/readers/utkface.js';
import { finishedShards, readManifest, readShardIndex } from '../data/shards.js';

/**
 * The test split of prepared shards as a JSON Lines manifest (absolute paths) in `dir`, with the dataset format the
 * shards were made from; undefined if `shards` is not a shard folder or has no test faces. Shards of UTKFace add the
 * race its file names carry, so `howold eval` on the manifest prints the fairness card's race table.
 */
export async function testSplitManifest(
  shards: string,
  dir: string,
  base = process.cwd(),
  split: 'train' | 'val' | 'test' = 'test',
): Promise<{ file: string; count: number; format: string } | undefined> {
  if (!existsSync(path.join(shards, 'index.json'))) return undefined;
  const index = await readShardIndex(shards);
  const lines: string[] = [];
  for (const shard of [...(await finishedShards(shards))].sort((a, b) => a - b)) {
    const manifest = await readManifest(shards, shard);
    for (const row of manifest.rows[split]) {
      // Paths are stored as given to `data prepare`, relative to where it ran (`base`, say the repo root).
      let file = path.resolve(base, row.path);
      if (!existsSync(file)) file = path.join(path.resolve(base, index.source), path.basename(row.path));
      const race = index.format === 'utkface' ? raceOfUtkfaceName(path.basename(file)) : undefined;
      lines.push(JSON.stringify({ path: file, age: row.age, ...(row.gender ? { gender: row.gender } : {}), ...(race ? { race } : {}) }));
    }
  }
  if (lines.length === 0) return undefined;
  const file = path.join(dir, `${split}-split.jsonl`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return { file, count: lines.length, format: index.format };
}

function raceOfUtkfaceName(name: string): string | undefined {
  const parsed = parseUtkfaceName(name);
  return 'row' in parsed && typeof parsed.row.race === 'string' ? parsed.row.race : undefined;
}
