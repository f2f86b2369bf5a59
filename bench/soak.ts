// Soak: `howold serve` under mixed good and bad uploads (the fuzz corpus) at concurrency 8 for a while, the RSS of
// the server and of each worker sampled every 10 s. Prints the samples, the growth over the last half and the
// count of answers that were not 2xx or 4xx (5xx, socket errors, timeouts): the target is < 50 MB and 0.
//   npm run bench:soak [-- --duration 600 --interval 10 --connections 8]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startServer } from '../src/server/app.js';
import { writeCorpus } from '../test/fuzz/corpus.js';
import { cpuLine } from './cpu.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    interval: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    workers: { type: 'string' },
  },
});
const duration = Number(values.duration);
const interval = Number(values.interval);
const connections = Number(values.connections);

function rssOf(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
const dir = mkdtempSync(path.join(tmpdir(), 'howold-soak-'));
const cases = (await writeCorpus(dir, { localOnly: false })).filter((c) => !c.localOnly);
const good = cases.filter((c) => 'ok' in c.expect).length;
const server = await startServer({ port: 0, host: '127.0.0.1', model: process.env.HOWOLD_MODEL, workers: values.workers ? Number(values.workers) : undefined });
const requests = cases.map((c) => ({ method: 'POST', path: '/v1/ages', headers: { 'content-type': 'application/octet-stream' }, body: readFileSync(c.file) }));

interface Sample {
  t: number;
  server: number;
  workers: number[];
}
const samples: Sample[] = [];
const started = Date.now();
const sample = () => samples.push({ t: (Date.now() - started) / 1000, server: process.memoryUsage().rss, workers: server.pool.pids().map(rssOf) });
sample();
const timer = setInterval(sample, interval * 1000);
const result = await autocannon({ url: server.url, requests, connections, duration, timeout: 60 });
clearInterval(timer);
sample();
const health = server.pool.stats();
await server.app.close();
rmSync(dir, { recursive: true, force: true });

const total = (s: Sample) => s.server + s.workers.reduce((a, b) => a + b, 0);
console.log(`CPU: ${cpuLine()} (this process on ${process.env.TASKSET ?? 'the cores it was given'})`);
console.log(`${cases.length} bodies (${good} good, ${cases.length - good} bad) in turn, ${connections} connections, ${duration} s, ${health.workers} worker(s)`);
console.log('t (s)\tserver MB\tworkers MB\ttotal MB');
for (const s of samples) console.log(`${s.t.toFixed(0)}\t${mb(s.server)}\t${s.workers.map(mb).join(' + ')}\t${mb(total(s))}`);
const half = samples.find((s) => s.t >= samples.at(-1)!.t / 2) ?? samples[0]!;
const last = samples.at(-1)!;
const growth = total(last) - total(half);
const notClient = result['5xx'] + result.errors + result.timeouts;
console.log(
  `requests ${result['2xx'] + result['4xx'] + result['5xx']}: 2xx ${result['2xx']}, 4xx ${result['4xx']}, 5xx ${result['5xx']}, socket errors ${result.errors}, timeouts ${result.timeouts}; ` +
    `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; worker restarts ${health.restarts}`,
);
console.log(`RSS growth over the last half (t ${half.t.toFixed(0)} -> ${last.t.toFixed(0)} s): ${growth >= 0 ? '+' : ''}${mb(growth)} MB total; non-4xx errors: ${notClient}`);
console.log(growth < 50 * 1024 * 1024 && notClient === 0 ? 'PASS (growth < 50 MB, 0 non-4xx errors)' : 'FAIL (target: growth < 50 MB, 0 non-4xx errors)');
