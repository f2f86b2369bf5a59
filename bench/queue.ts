// npm run bench:queue — `data prepare` on a UTKFace sample (crop mode) in-process vs through the queue (1 and 2
// `howold worker` processes on a redis-server this bench starts on a free loopback port), the queue's overhead per
// image, and Redis memory per queued job with 100k synthetic prepare jobs (INFO memory before and after).
//
// Per-image cost in-process is the slope between a small and the full run (thread start-up and model loading
// cancel out), so it compares with the queue's, whose workers are started and warm before the clock starts. The
// queue's time runs from submission (content hashing, adds) to the index written: everything the submitter waits
// for. Env: BENCH_QUEUE_FACES (default 1000), BENCH_QUEUE_SHARD (rows per shard = per job, default 100),
// BENCH_QUEUE_SYNTHETIC (default 100000).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { cpuLine } from './cpu.js';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { openDataset, readDataset } from '../src/data/readers/index.js';
import { splitDataset } from '../src/data/splits.js';
import { prepareShards, type PrepareOptions } from '../src/data/prepare.js';
import type { PrepareRow } from '../src/data/prepare-rows.js';
import { DEFAULT_MARGIN } from '../src/image/align.js';
import { sampleRows } from '../src/eval/evaluate.js';
import { submitPrepare } from '../src/queue/prepare-submit.js';
import { addJobs } from '../src/queue/submit.js';
import { openRedis, QUEUE_NAME } from '../src/queue/connection.js';
import { prepareJobId, sha256, type PrepareJobData } from '../src/queue/jobs.js';
import { startRedis } from '../src/queue/testing.js';

const repo = resolve(fileURLToPath(import.meta.url), '../..');
const utkface = resolve(repo, '../shared/datasets/utkface');
const FACES = Number(process.env.BENCH_QUEUE_FACES ?? 1000);
const SHARD = Number(process.env.BENCH_QUEUE_SHARD ?? 100);
const SYNTHETIC = Number(process.env.BENCH_QUEUE_SYNTHETIC ?? 100_000);
const SMALL = 40;

const seconds = (since: number) => (performance.now() - since) / 1000;

function options(out: string, workers?: number): PrepareOptions {
  return {
    out,
    format: 'utkface',
    source: utkface,
    seed: 1,
    shardSize: SHARD,
    ...(workers ? { workers } : {}),
    spec: { size: 112, margin: DEFAULT_MARGIN, source: 'detect', detectorMode: 'crop' },
  };
}

async function shardBytes(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).filter((n) => /^shard-\d{5}(-\w+\.bin|\.json)$/.test(n)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as [string, Buffer])));
}

function sameShards(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes));
}

/** `howold worker --threads 1` processes, resolved once each says it is ready. */
async function startWorkers(url: string, count: number): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [join(repo, 'bin/howold.js'), 'worker', '--queue', url, '--threads', '1'], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((res, rej) => {
          let log = '';
          child.stderr!.on('data', (c: Buffer) => {
            log += c.toString();
            if (log.includes('ready on')) res();
          });
          child.on('exit', (code) => rej(new Error(`worker exited (${code}):\n${log}`)));
        }),
    ),
  );
  return children;
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null) return Promise.resolve();
      child.removeAllListeners('exit');
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

async function usedMemory(url: string): Promise<number> {
  const client = await openRedis(url);
  try {
    const info = await client.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)![1]);
  } finally {
    client.disconnect();
  }
}

/** Bytes per job for `count` prepare jobs of `rows` rows each, shaped as the real ones (ids, paths, spec). */
async function memoryPerJob(work: string, count: number, rows: number): Promise<{ perJob: number; addSeconds: number }> {
  const redis = await startRedis(work);
  try {
    const before = await usedMemory(redis.url);
    const client = await openRedis(redis.url);
    const queue = new Queue(QUEUE_NAME, { connection: client });
    const spec = options('/x').spec;
    const started = performance.now();
    try {
      const batch = 5000;
      for (let first = 0; first < count; first += batch) {
        const jobs = Array.from({ length: Math.min(batch, count - first) }, (_, j) => {
          const shard = first + j;
          const data: PrepareJobData = {
            kind: 'prepare',
            out: '/mnt/bucket/howold/shards/imdb-wiki',
            shard,
            spec,
            rows: Array.from({ length: rows }, (_, r) => ({
              path: `/mnt/bucket/howold/images/imdb_crop/${String((shard * rows + r) % 100).padStart(2, '0')}/nm${String(shard * rows + r).padStart(7, '0')}_rm${String(r).padStart(10, '0')}_1970-01-01_2010.jpg`,
              age: 20 + ((shard + r) % 60),
              gender: r % 2 ? ('female' as const) : ('male' as const),
              split: 'train' as const,
            })),
          };
          return { id: prepareJobId(data, data.rows.map((row) => sha256(row.path))), data, size: rows };
        });
        await addJobs(queue, jobs, 3);
      }
    } finally {
      await queue.close();
      client.disconnect();
    }
    const addSeconds = seconds(started);
    const after = await usedMemory(redis.url);
    return { perJob: (after - before) / count, addSeconds };
  } finally {
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'howold-bench-queue-'));
  try {
    const { rows: all } = await readDataset(openDataset(utkface, 'utkface'));
    const sample = sampleRows(all, FACES);
    const split = splitDataset(sample, { seed: 1 });
    const rows: PrepareRow[] = sample.map((r) => ({ ...r, split: split.splitOf(r.path)! }));
    const cores = availableParallelism();
    console.log(`CPU: ${cpuLine()}; cores available to this process: ${cores}; ${rows.length} UTKFace faces, ${SHARD} rows per shard (= per queue job), crop mode, 112 px`);

    // in-process: worker threads of one process
    const inProcess: { workers: number; perImage: number; total: number }[] = [];
    let reference: Map<string, Buffer> | undefined;
    for (const workers of [1, 2]) {
      let started = performance.now();
      await prepareShards(rows.slice(0, SMALL), options(join(work, `small-${workers}`), workers));
      const small = seconds(started);
      const out = join(work, `inproc-${workers}`);
      started = performance.now();
      await prepareShards(rows, options(out, workers));
      const total = seconds(started);
      inProcess.push({ workers, perImage: (total - small) / (rows.length - SMALL), total });
      const bytes = await shardBytes(out);
      reference ??= bytes;
      if (!sameShards(reference, bytes)) throw new Error(`in-process with ${workers} workers made different shards`);
      console.log(`in-process, ${workers} worker thread(s): ${total.toFixed(2)} s (${SMALL} rows: ${small.toFixed(2)} s)`);
    }

    // the queue: warm `howold worker` processes, one thread each
    const queued: { workers: number; total: number; startup: number }[] = [];
    const redis = await startRedis(work);
    try {
      for (const count of [1, 2]) {
        let started = performance.now();
        const children = await startWorkers(redis.url, count);
        const startup = seconds(started);
        try {
          const out = join(work, `queue-${count}`);
          started = performance.now();
          const result = await submitPrepare(rows, { ...options(out), url: redis.url });
          const total = seconds(started);
          if (result.failedShards.length > 0 || !result.index.complete) throw new Error(`queue run with ${count} workers did not finish: ${JSON.stringify(result.failedShards)}`);
          if (!sameShards(reference!, await shardBytes(out))) throw new Error(`the queue with ${count} workers made different shards`);
          queued.push({ workers: count, total, startup });
          console.log(`queue, ${count} worker process(es): ${total.toFixed(2)} s after ${startup.toFixed(2)} s to start them; shards identical to in-process`);
        } finally {
          await stopWorkers(children);
        }
      }
    } finally {
      await redis.stop();
    }

    const one = inProcess[0]!.perImage;
    const shared = cores < 2 ? ' (both on the one core this process may use)' : '';
    console.log('\n| path | wall s | ms / image | images/s | vs in-process, 1 thread |');
    console.log('|---|---|---|---|---|');
    for (const r of inProcess) {
      console.log(`| in-process, ${r.workers} worker thread${r.workers > 1 ? 's' + shared : ''} | ${r.total.toFixed(2)} | ${(1000 * r.perImage).toFixed(2)} (slope) | ${(1 / r.perImage).toFixed(0)} | ${(100 * (r.perImage / one - 1)).toFixed(1)}% |`);
    }
    for (const q of queued) {
      const per = q.total / rows.length;
      console.log(`| queue, ${q.workers} \`howold worker\`${q.workers > 1 ? 's' + shared : ''} (warm, started in ${q.startup.toFixed(1)} s) | ${q.total.toFixed(2)} | ${(1000 * per).toFixed(2)} | ${(1 / per).toFixed(0)} | ${(100 * (per / one - 1)).toFixed(1)}% |`);
    }

    console.log(`\nRedis memory, ${SYNTHETIC} synthetic prepare jobs queued (INFO memory used_memory, after - before):`);
    console.log('| rows per job | bytes per job | MB for all | add time s |');
    console.log('|---|---|---|---|');
    for (const perJob of [1, 10]) {
      const m = await memoryPerJob(work, SYNTHETIC, perJob);
      console.log(`| ${perJob} | ${m.perJob.toFixed(0)} | ${((m.perJob * SYNTHETIC) / 2 ** 20).toFixed(0)} | ${m.addSeconds.toFixed(1)} |`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
