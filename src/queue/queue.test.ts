// The queue end to end on a real Redis: two `howold worker`s, one SIGKILLed in the middle of a job; the results
// and shards must equal the in-process run's, every input exactly once, rejects counted; resubmitting adds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { startRedis } from './testing.js';
import { openRedis, QUEUE_NAME } from './connection.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const howold = join(repo, 'bin/howold.js');
const datasets = resolve(repo, '../shared/datasets');

interface Run {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs the CLI; `onLine` sees each stderr line as it comes. */
function cli(args: string[], onLine?: (line: string) => void): Run {
  const child = spawn(process.execPath, [howold, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    partial += c.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) onLine?.(line);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}

async function ok(run: Run, what: string): Promise<{ stdout: string; stderr: string }> {
  const r = await run.exit;
  assert.equal(r.code, 0, `${what} failed (code ${r.code}):\n${r.stderr}`);
  return r;
}

/** Every file of a shard folder except temporaries, name -> bytes. */
async function shardFiles(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).filter((n) => /^shard-\d{5}(-\w+\.bin|\.json)$/.test(n)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as [string, Buffer])));
}

test('two queue workers, one SIGKILLed mid-job: shards and results equal the in-process run, every input once', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'howold-queue-'));
  const redis = await startRedis(dir);
  const workers: Run[] = [];
  try {
    // inputs: UTKFace crops plus a file that is not an image (prepare); group photos, two crops and it (predict)
    const crops = join(dir, 'crops');
    const photos = join(dir, 'photos');
    await mkdir(crops);
    await mkdir(photos);
    const utk = (await readdir(join(datasets, 'utkface'))).filter((n) => n.endsWith('.jpg')).sort().filter((_, i) => i % 1200 === 0).slice(0, 8);
    for (const name of utk) await copyFile(join(datasets, 'utkface', name), join(crops, name));
    const bad = `30_1_0_${'1'.repeat(17)}.jpg.chip.jpg`;
    await writeFile(join(crops, bad), 'this is not a JPEG');
    const groups = (await readdir(join(datasets, 'group-photos'))).filter((n) => n.endsWith('.jpg')).sort().slice(0, 4);
    for (const name of groups) await copyFile(join(datasets, 'group-photos', name), join(photos, name));
    for (const name of [...utk.slice(0, 2), bad]) await copyFile(join(crops, name), join(photos, name));
    const photoCount = groups.length + 3;

    const url = redis.url;
    const lock = ['--threads', '1', '--lock-seconds', '2'];
    const started: { worker: number; id: string }[] = [];
    const completedBy = new Map<string, number>();
    for (const w of [0, 1]) {
      workers.push(
        cli(['worker', '--queue', url, ...lock], (line) => {
          const s = /started (\S+)/.exec(line);
          if (s) started.push({ worker: w, id: s[1]! });
          const c = /completed (\S+)/.exec(line);
          if (c) completedBy.set(c[1]!, w);
        }),
      );
    }

    // the in-process runs, while the workers start
    const prepareArgs = ['data', 'prepare', crops, '--format', 'utkface', '--detector', 'crop', '--size', '64', '--shard-size', '3'];
    await ok(cli([...prepareArgs, '--out', join(dir, 'shards-local'), '--workers', '1']), 'in-process prepare');
    await ok(cli(['predict', photos, '--batch', '2', '--out', join(dir, 'local.jsonl')]), 'in-process predict');

    // both queued commands at once; worker 0 is killed as soon as it has started a predict job
    let killed: string | undefined;
    const killer = setInterval(() => {
      const first = started.find((s) => s.worker === 0 && s.id.startsWith('predict-'));
      if (first && !killed) {
        killed = first.id;
        workers[0]!.child.kill('SIGKILL');
      }
    }, 20);
    const queuedPrepare = cli([...prepareArgs, '--out', join(dir, 'shards-queue'), '--queue', url]);
    const queuedPredict = cli(['predict', photos, '--batch', '2', '--job-size', '2', '--out', join(dir, 'queue.jsonl'), '--queue', url]);
    const prepared = await ok(queuedPrepare, 'queued prepare');
    const predicted = await ok(queuedPredict, 'queued predict');
    clearInterval(killer);
    assert.ok(killed, `worker 0 never started a predict job (started: ${JSON.stringify(started)})`);
    assert.equal((await workers[0]!.exit).signal, 'SIGKILL');
    assert.equal(completedBy.get(killed), 1, 'the killed job was finished by the other worker');

    // the killed job stalled and was retried, by the survivor
    const client = await openRedis(url);
    const queue = new Queue(QUEUE_NAME, { connection: client });
    try {
      const job = await queue.getJob(killed);
      assert.ok(job, 'the killed job is still in Redis');
      assert.equal(await job.getState(), 'completed');
      assert.ok(job.stalledCounter >= 1, `the job was seen stalled (stalledCounter ${job.stalledCounter})`);
      assert.match(job.processedBy ?? '', new RegExp(`:${workers[1]!.child.pid}:`), 'processed in the end by worker 1');
    } finally {
      await queue.close();
      client.disconnect();
    }

    // results: the same bytes as in-process, one line per photo, the bad one counted
    const local = await readFile(join(dir, 'local.jsonl'), 'utf8');
    const queued = await readFile(join(dir, 'queue.jsonl'), 'utf8');
    assert.equal(queued, local);
    const entries = queued.trim().split('\n').map((l) => JSON.parse(l) as { file: string; error?: { code: string }; faces?: unknown[] });
    assert.equal(entries.length, photoCount);
    assert.equal(new Set(entries.map((e) => e.file)).size, photoCount, 'every photo exactly once');
    assert.deepEqual(entries.filter((e) => e.error).map((e) => e.error!.code), ['not_an_image']);
    assert.ok(entries.reduce((n, e) => n + (e.faces?.length ?? 0), 0) > groups.length, 'the group photos gave many faces');
    assert.match(predicted.stderr, /1 failed \(not_an_image 1\)/);

    // shards: byte-identical, every input row once, the reject counted
    const localShards = await shardFiles(join(dir, 'shards-local'));
    const queueShards = await shardFiles(join(dir, 'shards-queue'));
    assert.deepEqual([...queueShards.keys()], [...localShards.keys()]);
    for (const [name, bytes] of localShards) assert.ok(bytes.equals(queueShards.get(name)!), `${name} differs`);
    const index = JSON.parse(await readFile(join(dir, 'shards-queue', 'index.json'), 'utf8')) as { count: number; rejects: Record<string, number>; complete: boolean };
    assert.deepEqual(index, JSON.parse(await readFile(join(dir, 'shards-local', 'index.json'), 'utf8')));
    assert.equal(index.complete, true);
    assert.equal(index.count + Object.values(index.rejects).reduce((a, b) => a + b, 0), utk.length + 1, 'every row is a face or a reject');
    assert.equal(index.rejects.not_an_image, 1);
    const rowsSeen = [...queueShards.entries()]
      .filter(([n]) => n.endsWith('.json'))
      .flatMap(([, b]) => {
        const m = JSON.parse(b.toString()) as { rows: Record<string, { path: string }[]>; rejects: { path: string }[] };
        return [...Object.values(m.rows).flat(), ...m.rejects].map((r) => r.path);
      });
    assert.equal(rowsSeen.length, utk.length + 1);
    assert.equal(new Set(rowsSeen).size, utk.length + 1);
    assert.match(prepared.stdout, /rejects: 1 \(not_an_image 1\)/);

    // resubmitting is a no-op: nothing added, nothing runs, the same output
    const startedBefore = started.length;
    const [again, againPrepare] = await Promise.all([
      ok(cli(['predict', photos, '--batch', '2', '--job-size', '2', '--out', join(dir, 'again.jsonl'), '--queue', url]), 'resubmitted predict'),
      ok(cli([...prepareArgs, '--out', join(dir, 'shards-queue'), '--queue', url]), 'resubmitted prepare'),
    ]);
    assert.match(again.stderr, /queue: 4 jobs, 0 added, 4 already done/);
    assert.equal(await readFile(join(dir, 'again.jsonl'), 'utf8'), local);
    assert.match(againPrepare.stdout, /queue: 3 jobs, 0 added, 3 already done/);
    assert.equal(started.length, startedBefore, 'no worker started a job for the resubmissions');
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
