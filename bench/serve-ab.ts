// npm run bench:serve-ab: `howold serve` from two or more checkouts under the same load, taking turns, so that a
// change in throughput is measured against its baseline in one run (the machines here drift by +-10% over minutes).
// Each round starts every checkout's server in turn (the order reversed every other round), warms it up, then
// measures requests per second and latency with autocannon, and the CPU time of the server and its workers.
//   npm run bench:serve-ab -- DIR [DIR...] [--photo FILE] [--seconds N] [--warm-up N] [--rounds N] [--connections N]
// Each DIR is a checkout with its node_modules (git worktree add ../base <commit> && (cd ../base && npm ci)).
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { parseIntegerOption } from '../src/cli/options.js';
import { cpuLine } from './cpu.js';
import { startServe, treeCpuSeconds } from './serve-process.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args, positionals: dirs } = parseArgs({
  allowPositionals: true,
  options: {
    photo: { type: 'string', default: path.join(repoRoot, 'examples/astronaut.png') },
    seconds: { type: 'string', default: '20' },
    'warm-up': { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
  },
});
const seconds = parseIntegerOption(args.seconds!, '--seconds', 1);
const warmUp = parseIntegerOption(args['warm-up']!, '--warm-up', 0);
const rounds = parseIntegerOption(args.rounds!, '--rounds', 1);
const connections = parseIntegerOption(args.connections!, '--connections', 1);
if (dirs.length === 0) throw new Error('give one or more checkouts to compare: npm run bench:serve-ab -- DIR [DIR...]');
for (const dir of dirs) {
  if (!existsSync(path.join(dir, 'bin/howold.js'))) throw new Error(`${dir}: not a howold checkout (no bin/howold.js)`);
  if (!existsSync(path.join(dir, 'node_modules'))) throw new Error(`${dir}: no node_modules (run npm ci there first)`);
}
const body = readFileSync(args.photo!);

interface Run {
  dir: string;
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  cpuMsPerRequest: number;
}

async function measure(dir: string): Promise<Run> {
  const { child, url } = await startServe(dir);
  try {
    const hammer = (duration: number) =>
      autocannon({ url: `${url}/v1/ages`, method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, connections, duration, timeout: 30 });
    if (warmUp > 0 && (await hammer(warmUp))['2xx'] === 0) throw new Error(`${dir}: no request succeeded during the warm-up`);
    const cpuBefore = treeCpuSeconds(child.pid!);
    const r = await hammer(seconds);
    const cpu = treeCpuSeconds(child.pid!) - cpuBefore;
    return {
      dir,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      failed: r.non2xx + r.errors + r.timeouts,
      cpuMsPerRequest: (1000 * cpu) / Math.max(1, r['2xx']),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

console.log(`${cpuLine()}; load average ${loadavg()[0]!.toFixed(2)} at the start`);
console.log(`${path.basename(args.photo!)}, ${connections} connections, ${warmUp} s warm-up then ${seconds} s, ${rounds} rounds`);
const runs: Run[] = [];
for (let round = 0; round < rounds; round++) {
  for (const dir of round % 2 ? [...dirs].reverse() : dirs) {
    const run = await measure(dir);
    runs.push(run);
    console.log(
      `round ${round + 1} ${dir}: ${run.rps.toFixed(1)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.failed} failed, ` +
        `${run.cpuMsPerRequest.toFixed(1)} ms CPU per request (server + workers)`,
    );
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const baseline = mean(runs.filter((r) => r.dir === dirs[0]).map((r) => r.rps));
console.log(`load average ${loadavg()[0]!.toFixed(2)} at the end`);
for (const dir of dirs) {
  const mine = runs.filter((r) => r.dir === dir);
  const rps = mean(mine.map((r) => r.rps));
  console.log(
    `${dir}: mean ${rps.toFixed(1)} req/s (${(rps / baseline).toFixed(2)}x the first), worst p99 ${Math.max(...mine.map((r) => r.p99))} ms, ` +
      `${mean(mine.map((r) => r.cpuMsPerRequest)).toFixed(1)} ms CPU per request, ${mine.reduce((n, r) => n + r.failed, 0)} failed`,
  );
}
