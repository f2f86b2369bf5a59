// npm run bench:data — prepare throughput on UTKFace (decode + detect + align, worker threads), streaming
// throughput over shards, and peak RSS when streaming 10k vs 100k faces (shards repeated by symlink).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset, readDataset } from '../src/data/readers/index.js';
import { splitDataset } from '../src/data/splits.js';
import { prepareShards } from '../src/data/prepare.js';
import { shardName, streamShards, writeIndex } from '../src/data/shards.js';
import { DEFAULT_MARGIN } from '../src/image/align.js';
import { sampleRows } from '../src/eval/evaluate.js';
import { cpuLine } from './cpu.js';

const repo = resolve(fileURLToPath(import.meta.url), '../..');
const utkface = resolve(repo, '../shared/datasets/utkface');
const PREPARE_FACES = Number(process.env.BENCH_PREPARE_FACES ?? 2000);

async function streamChild(dir: string, limit: number): Promise<{ facesPerSecond: number; peakRssMb: number; faces: number }> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--stream', dir, String(limit)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function streamOnly(dir: string, limit: number): Promise<void> {
  let peak = process.memoryUsage().rss;
  let faces = 0;
  const started = performance.now();
  for await (const batch of streamShards(dir, { split: 'train', batchSize: 64, shuffle: true, seed: 1, bufferSize: 2048, limit })) {
    faces += batch.count;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ facesPerSecond: faces / seconds, peakRssMb: peak / 2 ** 20, faces }));
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'howold-bench-data-'));
  try {
    const { rows } = await readDataset(openDataset(utkface, 'utkface'));
    const sample = sampleRows(rows, PREPARE_FACES);
    const split = splitDataset(sample, { seed: 1 });
    const shards = join(work, 'shards');
    const started = performance.now();
    const result = await prepareShards(
      sample.map((r) => ({ ...r, split: split.splitOf(r.path)! })),
      { out: shards, format: 'utkface', source: utkface, seed: 1, shardSize: 250, spec: { size: 112, margin: DEFAULT_MARGIN, source: 'detect', detectorMode: 'crop' } },
    );
    const prepareSeconds = (performance.now() - started) / 1000;
    const prepared = result.index.count;

    // A large set made by repeating the prepared shards under new numbers (symlinks: no extra disk).
    const big = join(work, 'big');
    execFileSync('mkdir', ['-p', big]);
    const real = (await readdir(shards)).filter((n) => /^shard-\d{5}\.json$/.test(n)).map((n) => Number(n.slice(6, 11)));
    const trainPerCopy = result.index.splits.train;
    const copies = Math.ceil(100_000 / trainPerCopy);
    let next = 0;
    for (let c = 0; c < copies; c++) {
      for (const shard of real) {
        for (const suffix of ['.json', '-train.bin', '-val.bin', '-test.bin']) {
          await symlink(join(shards, `${shardName(shard)}${suffix}`), join(big, `${shardName(next)}${suffix}`));
        }
        next += 1;
      }
    }
    await writeIndex(big, { source: 'repeated', format: 'utkface', size: 112, preprocessing: result.index.preprocessing, seed: 1 }, next);
    const small = await streamChild(big, 10_000);
    const large = await streamChild(big, 100_000);

    const rows_ = [
      ['prepare (decode + detect + align + write), 2 workers', `${(prepared / prepareSeconds).toFixed(1)} faces/s`, `${prepared} faces in ${prepareSeconds.toFixed(1)} s`],
      ['stream shards (shuffle buffer 2048, batch 64), 10k faces', `${small.facesPerSecond.toFixed(0)} faces/s`, `peak RSS ${small.peakRssMb.toFixed(0)} MB`],
      ['stream shards, 100k faces', `${large.facesPerSecond.toFixed(0)} faces/s`, `peak RSS ${large.peakRssMb.toFixed(0)} MB`],
      ['RSS growth 10k → 100k', `${(large.peakRssMb - small.peakRssMb).toFixed(1)} MB`, ''],
    ];
    console.log(`CPU: ${cpuLine()}`);
    console.log('| what | rate | notes |\n|---|---|---|');
    for (const r of rows_) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--stream') await streamOnly(process.argv[3]!, Number(process.argv[4]));
else await main();
